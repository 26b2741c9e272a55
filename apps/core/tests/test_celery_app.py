"""The project's Celery app: made when Django starts and found by `celery -A portal`, never
imported merely because something imports the `portal` package (manage.py does, before
`import_guides` forks its render child)."""

import subprocess
import sys
from pathlib import Path

from celery import current_app
from celery.app.utils import find_app

from portal.celery_app import app

ROOT = Path(__file__).resolve().parents[3]


def test_django_start_makes_it_the_current_app():
    # pytest-django has set Django up: shared tasks sent from the portal use this app.
    assert current_app._get_current_object() is app
    assert current_app.main == "portal"


def test_celery_dash_a_portal_finds_it():
    assert find_app("portal") is app


def test_importing_the_package_imports_no_celery():
    code = (
        "import sys; from portal.devstart import ensure_database_url; import portal.settings.base;"
        " assert not [m for m in sys.modules if m.split('.')[0] in ('celery', 'kombu')]"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]
