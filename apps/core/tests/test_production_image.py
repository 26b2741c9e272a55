"""The production image, proven without a Docker engine.

The image's commands live in scripts/docker-entrypoint: the Dockerfile runs `collectstatic` with
it while building, docker-compose.yml runs `migrate`, `web`, `worker` and the healthchecks. These
tests run the same script, outside a container, under production settings with .env.example's
environment (as compose passes an env file), a real PostgreSQL and a real Redis broker.
"""

import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import tomllib
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import yaml

from apps.core.tests.waiting import poll_until

ROOT = Path(__file__).resolve().parents[3]
ENTRYPOINT = str(ROOT / "scripts" / "docker-entrypoint")
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
# Redis database 9 belongs to these tests (the reminders integration test uses 5).
REDIS_URL = "redis://127.0.0.1:6379/9"
METRICS_TOKEN = "scrape-" + "t0k3n" * 8
HOST = "learn.example.com"  # DJANGO_ALLOWED_HOSTS in .env.example
HASHED = re.compile(r"\.[0-9a-f]{12}\.(css|js|svg|png|webmanifest)$")


def env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines, as docker compose reads an env_file (no quoting in ours)."""
    values = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value
    return values


def base_environment() -> dict[str, str]:
    """What a container has before compose adds the env file: PATH to this interpreter's
    python, gunicorn and celery (the image's are on its PATH), HOME, a locale; and a marker
    that every process started from here inherits, to find leftovers."""
    return {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
    }


# What .env.example tells a deployer to do with its placeholder secret (production refuses to
# start with the placeholder itself: apps/core/tests/test_health.py).
GENERATED_SECRET = secrets.token_urlsafe(50)


def documented_environment(**overrides: str) -> dict[str, str]:
    documented = env_file(ROOT / ".env.example")
    assert documented["DJANGO_SECRET_KEY"].startswith("change-me")
    documented["DJANGO_SECRET_KEY"] = GENERATED_SECRET
    return {**base_environment(), **documented, **overrides}


def grace_seconds(service: str) -> float:
    return float(COMPOSE["services"][service]["stop_grace_period"].removesuffix("s"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(*args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [ENTRYPOINT, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def processes_with(marker: str) -> list[int]:
    """Live processes whose environment carries the marker (all descendants inherit it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environment = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker.encode() in environment and state != "Z":
            found.append(int(entry.name))
    return found


def redis_or_skip() -> None:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=2).close()
    except OSError:
        if os.environ.get("CI"):
            pytest.fail("Redis is not running on 127.0.0.1:6379")
        pytest.skip("Redis is not running on 127.0.0.1:6379")


def fetch(port: int, path: str, **headers: str) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    # What the TLS-terminating proxy in front of the image sends.
    connection.request("GET", path, headers={"Host": HOST, "X-Forwarded-Proto": "https", **headers})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def fetch_text(port: int, path: str, **headers: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers={"Host": HOST, "X-Forwarded-Proto": "https", **headers})
    response = connection.getresponse()
    body = response.read().decode()
    connection.close()
    return response.status, body


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    """A database of its own, created empty: the migrate service fills it."""
    redis_or_skip()
    # conftest.py exports DATABASE_URL (the embedded server's when none was configured).
    server = urlsplit(os.environ["DATABASE_URL"])
    name = f"test_{server.path.lstrip('/') or 'portal'}_image"
    admin = urlunsplit(server._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield urlunsplit(server._replace(path=f"/{name}"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def static_root(tmp_path_factory) -> Path:
    """`collectstatic` as the Dockerfile runs it: no environment beyond the image's own."""
    root = tmp_path_factory.mktemp("staticfiles")
    result = run("collectstatic", env={**base_environment(), "DJANGO_STATIC_ROOT": str(root)})
    assert result.returncode == 0, result.stderr
    assert (root / "staticfiles.json").is_file()
    return root


@pytest.fixture(scope="module")
def migrated(database_url: str) -> str:
    """The one-off migrate service."""
    result = run("migrate", env=documented_environment(DATABASE_URL=database_url))
    assert result.returncode == 0, result.stdout + result.stderr
    return database_url


@pytest.fixture(scope="module")
def web(migrated: str, static_root: Path, tmp_path_factory) -> Iterator[dict]:
    """The web service: gunicorn with two workers in Prometheus multiprocess mode."""
    port = free_port()
    metrics_dir = tmp_path_factory.mktemp("prometheus")
    # Left by an earlier run: gunicorn must start from an empty directory.
    (metrics_dir / "counter_1.db").write_bytes(b"stale")
    env = documented_environment(
        DATABASE_URL=migrated,
        CELERY_BROKER_URL=REDIS_URL,
        DJANGO_STATIC_ROOT=str(static_root),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="2",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
        METRICS_TOKEN=METRICS_TOKEN,
    )
    log = tmp_path_factory.mktemp("web") / "gunicorn.log"
    process = subprocess.Popen(
        [ENTRYPOINT, "web"],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )

    def answers() -> bool:
        try:
            return fetch(port, "/healthz").status == 200
        except OSError:
            return False

    try:
        assert poll_until(answers, timeout=60), log.read_text()[-3000:]
        yield {
            "port": port,
            "env": env,
            "metrics_dir": metrics_dir,
            "log": log,
            "master": process.pid,  # the script exec'd gunicorn: same process
        }
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace_seconds("web"))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.mark.integration
def test_collectstatic_under_production_settings_writes_hashed_compressed_files(
    static_root: Path,
) -> None:
    css = sorted(path.name for path in (static_root / "css").iterdir())
    assert any(HASHED.search(name) for name in css), css
    assert any(name.endswith(".css.gz") for name in css), css


@pytest.mark.integration
def test_pages_answer_and_link_hashed_static_files_served_by_whitenoise(web: dict) -> None:
    port = web["port"]
    status, home = fetch_text(port, "/")
    assert status == 200, web["log"].read_text()[-3000:]
    guide = re.search(r'href="(/guides/[\w-]+/)"', home)
    assert guide, "the migrate service imported content/: the library lists guides"
    status, guide_page = fetch_text(port, guide.group(1))
    assert status == 200
    status, login = fetch_text(port, "/accounts/login/")
    assert status == 200

    assets = set(re.findall(r'(?:href|src)="(/static/[^"]+)"', home + guide_page + login))
    assert {"css", "js"} <= {Path(asset).suffix.lstrip(".") for asset in assets}, assets
    for asset in sorted(assets):
        assert HASHED.search(asset), f"{asset} is not a hashed name"
        response = fetch(port, asset, **{"Accept-Encoding": "gzip"})
        assert response.status == 200, asset
        assert "immutable" in response.headers["Cache-Control"], asset
        if asset.endswith((".css", ".js")):
            assert response.headers["Content-Encoding"] == "gzip", asset
    assert fetch(port, "/static/css/no-such-file.css").status == 404


@pytest.mark.integration
def test_production_redirects_plain_http_and_refuses_unknown_hosts(web: dict) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", web["port"], timeout=30)
    connection.request("GET", "/", headers={"Host": HOST})
    response = connection.getresponse()
    assert response.status == 301
    assert response.headers["Location"] == f"https://{HOST}/"
    connection.close()
    assert fetch(web["port"], "/", Host="evil.example.com").status == 400


@pytest.mark.integration
def test_readyz_and_the_web_healthcheck_pass(web: dict) -> None:
    status, body = fetch_text(web["port"], "/readyz")
    assert status == 200, body
    assert '"database": "ok", "broker": "ok", "cache": "ok"' in body
    healthcheck = run("healthcheck", "web", env=web["env"], timeout=60)
    assert healthcheck.returncode == 0, healthcheck.stdout + healthcheck.stderr


def healthz_count(port: int) -> float:
    status, text = fetch_text(port, "/metrics", Authorization=f"Bearer {METRICS_TOKEN}")
    assert status == 200
    line = re.search(
        r'portal_http_requests_total\{method="GET",status="200",view="core:healthz"\} (\S+)',
        text,
    )
    assert line, text[:2000]
    return float(line.group(1))


def children(pid: int) -> set[int]:
    return {int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}


@pytest.mark.integration
def test_metrics_add_up_every_gunicorn_worker_past_restarts(web: dict) -> None:
    port = web["port"]
    assert not (web["metrics_dir"] / "counter_1.db").exists(), "stale files were kept"
    requests = 12
    for _ in range(requests):
        assert fetch(port, "/healthz").status == 200
    before = healthz_count(port)
    assert before >= requests  # the fixture's readiness probes count too

    # Every worker that served those requests is replaced: in one process's memory the counts
    # would start again from zero, in multiprocess mode the dead workers' files still count.
    workers = children(web["master"])
    assert len(workers) == 2
    for pid in workers:
        os.kill(pid, signal.SIGTERM)
    assert poll_until(lambda: len(children(web["master"]) - workers) == 2, timeout=60), (
        "gunicorn did not replace its workers"
    )
    assert poll_until(lambda: fetch(port, "/healthz").status == 200, timeout=60)
    assert healthz_count(port) >= before + 1
    files = {path.name for path in web["metrics_dir"].iterdir()}
    assert len([name for name in files if name.startswith("counter_")]) >= 2, files


@pytest.mark.integration
def test_check_deploy_is_silent_with_the_documented_environment() -> None:
    result = run(
        "python", "manage.py", "check", "--deploy", "--fail-level", "DEBUG",
        env=documented_environment(),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.integration
def test_the_worker_stops_on_sigterm_within_its_grace_period(migrated: str) -> None:
    marker = f"PORTAL_TEST_RUN={uuid.uuid4().hex}"
    env = documented_environment(DATABASE_URL=migrated, CELERY_BROKER_URL=REDIS_URL)
    name, value = marker.split("=")
    process = subprocess.Popen(
        [ENTRYPOINT, "worker"],
        cwd=ROOT,
        env={**env, name: value},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        assert poll_until(
            lambda: run("healthcheck", "worker", env=env, timeout=60).returncode == 0,
            timeout=90,
            interval=1,
        ), "the worker healthcheck never passed"
        assert len(processes_with(marker)) > 1, "the prefork pool runs child processes"
        # docker stop: SIGTERM to the command only (tini passes it on), SIGKILL after the grace.
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=grace_seconds("worker")) == 0
        print(f"worker stopped {time.monotonic() - started:.1f} s after SIGTERM")
        assert poll_until(lambda: not processes_with(marker), timeout=5), "pool children left"
        assert run("healthcheck", "worker", env=env, timeout=60).returncode == 1
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.mark.integration
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_make_run_stops_with_its_worker(migrated: str, stop: signal.Signals) -> None:
    """Ctrl-C (SIGINT) or a supervisor's SIGTERM reaches `make run`'s whole process group. The
    pool's children used to get it too: once one died holding the pool's queue lock, the worker
    waited for it forever, and the script's trap waited behind runserver."""
    port = free_port()
    marker = uuid.uuid4().hex
    env = {
        **base_environment(),
        "DATABASE_URL": migrated,
        "CELERY_BROKER_URL": REDIS_URL,
        "PORTAL_DEV_ADDR": f"127.0.0.1:{port}",
        "PORTAL_TEST_RUN": marker,
    }
    process = subprocess.Popen(
        [str(ROOT / "scripts" / "run-dev.sh")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    ping_env = documented_environment(CELERY_BROKER_URL=REDIS_URL)

    def serving() -> bool:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            return connection.getresponse().status == 200
        except OSError:
            return False

    try:
        assert poll_until(serving, timeout=90), "runserver never answered"
        assert poll_until(
            lambda: run("healthcheck", "worker", env=ping_env, timeout=60).returncode == 0,
            timeout=90,
            interval=1,
        ), "the worker never answered a ping"
        started = time.monotonic()
        os.killpg(process.pid, stop)
        gone = poll_until(lambda: not processes_with(marker), timeout=grace_seconds("worker"))
        assert gone, f"still running: {processes_with(marker)}"
        print(f"make run stopped {time.monotonic() - started:.1f} s after {stop.name}")
    finally:
        for pid in processes_with(marker):
            os.kill(pid, signal.SIGKILL)
        process.wait(timeout=10)


def test_importing_settings_starts_nothing() -> None:
    code = (
        "import sys, portal.settings.local, portal.settings.test; "
        "print(sorted(m for m in sys.modules if m in {'portal.devdb', 'pgserver'}))"
    )
    env = {**base_environment(), "DJANGO_SETTINGS_MODULE": "portal.settings.test"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_production_commands_never_load_the_development_database() -> None:
    code = "import sys; print(sorted(m for m in sys.modules if m in {'portal.devdb', 'pgserver'}))"
    result = run("python", "manage.py", "shell", "-c", code, env=documented_environment())
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def locked(path: Path) -> dict[str, str]:
    pins = re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)$", path.read_text(), re.MULTILINE)
    return {name.lower(): version for name, version in pins}


def test_the_runtime_lock_holds_no_dev_tools_and_the_dev_lock_agrees_with_it() -> None:
    runtime = locked(ROOT / "requirements.lock")
    dev = locked(ROOT / "requirements-dev.lock")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    # The embedded PostgreSQL, test and lint tools: named in the dev group, so never in the image.
    dev_group = {
        re.split(r"[\[<>=!~ ;]", requirement, maxsplit=1)[0].lower()
        for requirement in project["dependency-groups"]["dev"]
    }
    assert {"pytest", "mypy", "ruff", "playwright"} <= dev_group
    for tool in dev_group:
        assert tool not in runtime, f"{tool} is a runtime dependency"
        assert tool in dev, f"{tool} is missing from requirements-dev.lock"
    assert {"django", "gunicorn", "celery", "psycopg", "whitenoise"} <= runtime.keys()
    assert {name: dev[name] for name in dev.keys() & runtime.keys()} == {
        name: runtime[name] for name in dev.keys() & runtime.keys()
    }
    for lock in ("requirements.lock", "requirements-dev.lock"):
        assert "uv pip compile" in (ROOT / lock).read_text().splitlines()[1]


def test_compose_and_dockerfile_run_the_entrypoint_with_env_files() -> None:
    script = Path(ENTRYPOINT).read_text()
    services = COMPOSE["services"]
    for name in ("migrate", "web", "worker", "beat"):
        service = services[name]
        assert service["env_file"] == [".env"] and "environment" not in service, name
        (command,) = service["command"]
        assert f"\n  {command})" in script, f"{name}: {command} is not an entrypoint command"
    assert services["postgres"]["env_file"] == [".env.postgres"]
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
        test = services[name]["healthcheck"]["test"]
        assert test == ["CMD", "/app/scripts/docker-entrypoint", "healthcheck", name]
    assert "redis-cli" in services["redis"]["healthcheck"]["test"]
    lines = (ROOT / "docker-compose.yml").read_text().splitlines()
    raw = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    assert not re.search(r"PASSWORD\s*:|postgres://|SECRET", raw), "credentials belong in env files"

    dockerfile = (ROOT / "Dockerfile").read_text()
    run_stage = dockerfile.split("AS run", 1)[1]
    assert "--requirement /tmp/requirements.lock" in run_stage
    assert "requirements-dev" not in dockerfile
    assert run_stage.index("RUN scripts/docker-entrypoint collectstatic") < run_stage.index(
        "USER portal"
    )
    assert 'ENTRYPOINT ["/app/scripts/docker-entrypoint"]' in run_stage
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", "var/", ".venv", ".git", "node_modules/"} <= set(ignored)
