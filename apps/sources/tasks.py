"""Celery tasks for git sources: thin; the advisory lock makes a sync run once at a time."""

import logging

from celery import shared_task
from django.conf import settings

from apps.sources import services
from apps.sources.models import Source

logger = logging.getLogger(__name__)


@shared_task(
    bind=True, acks_late=True, ignore_result=True, max_retries=40,
    time_limit=900, soft_time_limit=840,
)  # fmt: skip
def source_sync_task(self, source_id: int, trigger: str = "poll") -> str:
    source = Source.objects.filter(pk=source_id, is_enabled=True).first()
    if source is None:
        return "gone"
    outcome = services.source_sync(source=source, trigger=trigger)
    if outcome.status == "busy":
        # Another sync holds the lock; try again once it is done, so a push that landed
        # after that sync's fetch is still picked up (it will usually find nothing new).
        raise self.retry(countdown=settings.SOURCES_BUSY_RETRY_SECONDS)
    return outcome.status


@shared_task(acks_late=True, ignore_result=True, time_limit=60)
def sources_poll_task() -> int:
    ids = services.sources_claim_due()
    for source_id in ids:
        source_sync_task.delay(source_id, "poll")
    return len(ids)
