"""Settings the reminders rely on: production refuses plain-HTTP links, and a retry countdown
longer than the broker's visibility timeout is a configuration error."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import run_checks

ROOT = Path(__file__).resolve().parents[3]
PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "x" * 50,
    "DJANGO_ALLOWED_HOSTS": "learn.example.com",
    "DATABASE_URL": "postgres://portal@127.0.0.1:5432/portal",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "EMAIL_HOST": "smtp.example.com",
    "DEFAULT_FROM_EMAIL": "Learning Portal <learn@example.com>",
}


def import_production(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PORTAL_"))}
    return subprocess.run(
        [sys.executable, "-c", "import portal.settings.production as s; print(s.PORTAL_BASE_URL)"],
        cwd=ROOT, env={**clean, **PRODUCTION_ENV, **env}, capture_output=True, text=True,
    )  # fmt: skip


def test_production_needs_an_https_base_url():
    assert import_production(PORTAL_BASE_URL="https://learn.example.com").stdout.strip() == (
        "https://learn.example.com"
    )
    plain = import_production(PORTAL_BASE_URL="http://learn.example.com")
    assert plain.returncode != 0 and "must be an https:// URL" in plain.stderr
    missing = import_production()
    assert missing.returncode != 0 and "PORTAL_BASE_URL" in missing.stderr


def test_default_settings_pass_the_reminders_check():
    assert [e for e in run_checks() if e.id.startswith("reminders.")] == []


@pytest.mark.parametrize("countdown", [3600, 7200])
def test_a_countdown_beyond_the_visibility_timeout_is_an_error(settings, countdown):
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
    settings.REMINDERS_RETRY_MAX_COUNTDOWN = countdown
    (error,) = [e for e in run_checks() if e.id.startswith("reminders.")]
    assert error.id == "reminders.E001"


def test_beat_runs_the_dispatcher_every_five_minutes(settings):
    from portal.celery_app import app

    entry = settings.CELERY_BEAT_SCHEDULE["reminders-dispatch"]
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
    assert entry["schedule"] == 300
    assert entry["options"]["expire_seconds"] < entry["schedule"]
