"""Where development and tests get their database when DATABASE_URL is unset.

Settings only read DATABASE_URL, so importing them starts nothing (mypy, a fresh clone, the
production image). The development entry points call `ensure_database_url()` before Django
reads its settings: manage.py, wsgi.py/asgi.py, the Celery app (when it is configured, not
when it is imported), the root conftest.py and the bench scripts. It starts the embedded
PostgreSQL (portal/devdb.py) and exports its URL, so every process started from there (a
runserver, a Celery worker, a test's gunicorn) finds the same server.
"""

import os
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

DEVELOPMENT_SETTINGS = frozenset(
    {
        "portal.settings.local",
        "portal.settings.test",
        "portal.settings.integration",
        "portal.settings.idp",
    }
)


def ensure_database_url() -> str | None:
    """Export the embedded PostgreSQL's URL as DATABASE_URL under development settings when
    neither the environment nor .env names a database; return DATABASE_URL."""
    if os.environ.get("DJANGO_SETTINGS_MODULE") not in DEVELOPMENT_SETTINGS:
        return os.environ.get("DATABASE_URL")
    # Settings read .env the same way (without overriding the environment): a DATABASE_URL
    # there counts as configured.
    if (BASE_DIR / ".env").is_file():
        environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
    if not os.environ.get("DATABASE_URL"):
        from portal.devdb import embedded_database_url

        (BASE_DIR / "var").mkdir(exist_ok=True)  # the cluster's home, also on a fresh clone
        os.environ["DATABASE_URL"] = embedded_database_url()
    return os.environ["DATABASE_URL"]
