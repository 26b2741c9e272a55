# syntax=docker/dockerfile:1
# The production image (docker-compose.yml), built in two stages as cookiecutter-django's is:
# wheels are built where compilers are, the runtime stage installs only requirements.lock (no
# test or lint tools, no embedded PostgreSQL) and runs as an unprivileged user. Its commands
# live in scripts/docker-entrypoint, which apps/core/tests/test_production_image.py also runs.
ARG PYTHON_VERSION=3.12

FROM python:${PYTHON_VERSION}-slim-bookworm AS build
RUN apt-get update \
    && apt-get install --no-install-recommends -y build-essential \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.lock /tmp/requirements.lock
RUN pip wheel --no-cache-dir --wheel-dir /wheels --requirement /tmp/requirements.lock


FROM python:${PYTHON_VERSION}-slim-bookworm AS run
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=portal.settings.production
WORKDIR /app
RUN addgroup --system portal \
    && adduser --system --ingroup portal --home /app --no-create-home portal
COPY requirements.lock /tmp/requirements.lock
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links /wheels --requirement /tmp/requirements.lock \
    && rm /tmp/requirements.lock
# The code stays root's and read-only to the portal user; .dockerignore keeps .env, var/, .venv
# and .git out.
COPY . /app
# Byte-compiled here: with PYTHONDONTWRITEBYTECODE (and code the portal user cannot write) every
# gunicorn worker, Celery process and command would otherwise compile the project's modules.
RUN python -m compileall -q apps portal manage.py
# Hashed, compressed static files under production settings (the manifest storage serves them).
RUN scripts/docker-entrypoint collectstatic
USER portal
EXPOSE 8000
ENTRYPOINT ["/app/scripts/docker-entrypoint"]
CMD ["web"]
