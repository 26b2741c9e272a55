import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from apps.core.metrics import IMPORT_RUNS_TOTAL, REQUESTS_TOTAL
from apps.guides.services import guides_import

ROOT = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.django_db


def test_healthz_is_up(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_each_dependency(client: Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok", "cache": "ok"},
    }


def test_readyz_is_503_when_the_broker_is_down(client: Client, settings) -> None:
    from portal.celery_app import app

    previous = app.conf.broker_url
    # Nothing listens on port 9 of the loopback interface: connection refused at once.
    app.conf.broker_url = "redis://127.0.0.1:9/0"
    try:
        response = client.get("/readyz")
    finally:
        app.conf.broker_url = previous
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"].startswith("error")


def test_readyz_is_503_when_the_cache_is_down(client: Client, settings) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "no_such_cache_table",
        }
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"].startswith("error")


def test_metrics_is_hidden_without_a_token(client: Client, settings) -> None:
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404


def test_metrics_needs_the_bearer_token(client: Client, settings) -> None:
    settings.METRICS_TOKEN = "s3cret-scrape-token"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    response = client.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape-token"})
    assert response.status_code == 200
    text = response.content.decode()
    for name in (
        "portal_http_requests_total",
        "portal_http_request_duration_seconds",
        "portal_import_runs_total",
        "portal_import_guides_total",
        "portal_reviews_total",
        "portal_reminder_deliveries_total",
    ):
        assert f"# TYPE {name.removesuffix('_total')}" in text


def test_requests_are_counted_by_url_name(client: Client) -> None:
    labels = {"view": "core:healthz", "method": "GET", "status": "200"}
    before = REQUESTS_TOTAL.labels(**labels)._value.get()
    client.get("/healthz")
    client.get("/healthz")
    assert REQUESTS_TOTAL.labels(**labels)._value.get() == before + 2
    unmatched = {"view": "unmatched", "method": "GET", "status": "404"}
    before = REQUESTS_TOTAL.labels(**unmatched)._value.get()
    client.get("/no/such/page/12345")
    assert REQUESTS_TOTAL.labels(**unmatched)._value.get() == before + 1


def test_import_runs_are_counted(guide_repo) -> None:
    root = guide_repo({"a.md": "# A\n\n## One\n\nText.\n"})
    before = IMPORT_RUNS_TOTAL.labels(status="succeeded")._value.get()
    guides_import(path=root)
    guides_import(path=root, dry_run=True)
    assert IMPORT_RUNS_TOTAL.labels(status="succeeded")._value.get() == before + 1


# The environment README documents for production (secrets are placeholders of the right shape).
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "portal.settings.production",
    "DJANGO_SECRET_KEY": "k" * 20 + "3f9a!x_Z" * 5,
    "DJANGO_ALLOWED_HOSTS": "learn.example.com",
    "DATABASE_URL": "postgres://portal:portal@127.0.0.1:5432/portal",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "EMAIL_HOST": "smtp.example.com",
    "PORTAL_BASE_URL": "https://learn.example.com",
    "DEFAULT_FROM_EMAIL": "Learning Portal <learn@example.com>",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_check_deploy_is_silent() -> None:
    result = _manage("check", "--deploy", "--fail-level", "DEBUG", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL"])
def test_production_refuses_to_start_without_a_secret(missing: str) -> None:
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr


def test_production_logs_are_json() -> None:
    code = "import logging; logging.getLogger('portal.test').warning('hello %s', 'world')"
    result = _manage("shell", "-c", code, env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["message"] == "hello world"
    assert line["level"] == "WARNING"
    assert line["logger"] == "portal.test"
    assert "time" in line


def _env_example() -> dict[str, str]:
    """.env.example as the environment a deployment copies it into (KEY=VALUE lines)."""
    env = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key.strip()] = value.strip()
    return {"DJANGO_SETTINGS_MODULE": "portal.settings.production", **env}


def test_env_example_with_a_generated_secret_passes_check_deploy_silently() -> None:
    env = {**_env_example(), "DJANGO_SECRET_KEY": "k" * 20 + "3f9a!x_Z" * 5}
    result = _manage("check", "--deploy", "--fail-level", "DEBUG", env=env)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_env_example_placeholder_secret_refuses_to_start() -> None:
    env = _env_example()
    assert env["DJANGO_SECRET_KEY"].startswith("change-me")
    result = _manage("check", "--deploy", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is still the placeholder" in result.stderr
