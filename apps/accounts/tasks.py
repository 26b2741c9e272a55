"""Housekeeping for accounts."""

from celery import shared_task

from apps.accounts.models import LoginSession


@shared_task(acks_late=True, ignore_result=True, time_limit=600, soft_time_limit=540)
def sessions_clear_expired_task() -> int:
    """Delete expired sessions, as Django's `clearsessions` would; returns how many went.
    Without it the table every signed-in request reads only grows."""
    from django.utils import timezone

    deleted, _ = LoginSession.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
