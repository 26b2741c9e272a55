import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")

app = Celery("portal")


@app.on_configure.connect
def _development_database(sender: Celery, **kwargs: object) -> None:
    # Before Celery first reads Django's settings, not at import (settings import this module).
    from portal.devstart import ensure_database_url

    ensure_database_url()


app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
