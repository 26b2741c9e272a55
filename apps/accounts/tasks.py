"""Housekeeping for accounts."""

from importlib import import_module

from celery import shared_task
from django.conf import settings


@shared_task(acks_late=True, ignore_result=True, time_limit=600, soft_time_limit=540)
def sessions_clear_expired_task() -> None:
    """Delete expired sessions, as Django's `clearsessions` does. Database sessions are never
    removed otherwise, so without it the table every signed-in request reads only grows."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
