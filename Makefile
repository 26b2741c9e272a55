# The two commands in the README: `make run` and `make test`. Everything else supports them.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.12 || echo python3)
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py

.PHONY: run test setup lint format db-stop bench clean lock

# Two locks, one per group: requirements.lock is the runtime (the production image installs only
# it), requirements-dev.lock the dev group (tests, lint, the embedded PostgreSQL) pinned to agree.
$(VENV)/.installed: requirements.lock requirements-dev.lock
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 12), f"Python 3.12 is required, found {sys.version.split()[0]}"'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet --requirement requirements.lock --requirement requirements-dev.lock
	@touch $@

# Test-only JavaScript (axe-core for the accessibility browser test), pinned by package-lock.json.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

setup: $(VENV)/.installed
	@mkdir -p var
	@# The project's modules byte-compiled once, as pip compiles an installed package's: where
	@# PYTHONDONTWRITEBYTECODE is set, every process would otherwise compile what it imports
	@# (0.3-0.5 s of each `manage.py` command's start). Only changed files are compiled again.
	$(PY) -m compileall -q apps portal manage.py
	$(MANAGE) migrate --noinput
	$(MANAGE) createcachetable

run: setup
	$(MANAGE) import_guides content
	$(MANAGE) ensure_demo_user
	./scripts/run-dev.sh

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djlint templates --lint
	$(VENV)/bin/mypy apps portal
	$(VENV)/bin/lint-imports --no-cache

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: setup lint node_modules/.installed
	$(PY) -m pytest

bench: setup
	$(PY) bench/reading.py

db-stop: $(VENV)/.installed
	$(PY) -m portal.devdb stop

# After editing pyproject.toml's dependencies (needs uv; the locks' headers say the same).
lock:
	uv pip compile pyproject.toml -o requirements.lock --python-version 3.12
	uv pip compile --group pyproject.toml:dev -c requirements.lock -o requirements-dev.lock --python-version 3.12

clean: db-stop
	rm -rf $(VENV) var
