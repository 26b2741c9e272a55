"""The project: settings, URLs, the Celery app and the development database.

The Celery app (portal/celery_app.py) is made when Django starts (apps.core's ready()), so that
`shared_task`s and the worker use it, and when `celery -A portal` asks this package for `app`;
not whenever something imports `portal`. Importing Celery takes 0.25 s, and manage.py imports
this package (portal.devstart) before `import_guides` forks its render child, which never needs
Celery: eagerly imported here, that delayed every render by as much."""

from typing import Any


def __getattr__(name: str) -> Any:
    # `celery -A portal` looks for the app as this package's `app` (celery.app.utils.find_app).
    if name == "app":
        from portal.celery_app import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
