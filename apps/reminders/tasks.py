"""Celery tasks for reminders: thin, idempotent (the delivery row decides), acks_late."""

import logging

from celery import shared_task
from django.core.mail import get_connection

from apps.reminders import services

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True, time_limit=600, soft_time_limit=540)
def reminder_dispatch_task() -> dict:
    result = services.reminder_dispatch()
    summary = {
        "claimed": result.claimed,
        "already_claimed": result.already_claimed,
        "requeued": result.requeued,
    }
    logger.info("reminders dispatched: %s", summary)
    return summary


@shared_task(acks_late=True, ignore_result=True, time_limit=900, soft_time_limit=840)
def reminder_send_batch_task(delivery_ids: list[int]) -> None:
    """Send a chunk over one SMTP session; each failure goes on to retry on its own."""
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except OSError as exc:  # smtplib errors are OSErrors; each send will try again on its own
        logger.warning("reminders: SMTP unavailable at batch start: %s", exc)
    try:
        for delivery_id in delivery_ids:
            outcome = services.reminder_delivery_send(
                delivery_id=delivery_id, connection=connection
            )
            if outcome.retry_in is not None:
                reminder_send_task.apply_async((delivery_id,), countdown=outcome.retry_in)
    finally:
        connection.close()


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=None, time_limit=120)
def reminder_send_task(self, delivery_id: int) -> None:
    """One delivery; the attempt count lives on the row, so redelivered messages agree on it."""
    outcome = services.reminder_delivery_send(delivery_id=delivery_id)
    if outcome.retry_in is not None:
        raise self.retry(countdown=outcome.retry_in)
