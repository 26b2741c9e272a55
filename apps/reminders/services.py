"""Writes for reminders: preferences, the dispatcher's claims, sending one delivery.

The dispatcher and the senders coordinate only through PostgreSQL: a delivery row unique per
(user, local date) is the claim, `FOR UPDATE SKIP LOCKED` keeps two dispatchers (or two workers)
off the same rows, and a pending delivery nobody finished is queued again later. Sending twice
would need two rows for one day, which the constraint forbids, or two workers holding one row,
which the row lock forbids.
"""

import datetime
import email.policy
import logging
import random
import smtplib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection as db
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.progress.models import ActivityDay
from apps.reminders import selectors
from apps.reminders.models import ReminderDelivery, ReminderPreference
from apps.reminders.schedule import (
    MONDAY_TO_FRIDAY,
    backoff_days,
    next_slot,
    zone_or_utc,
)

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "reminders.unsubscribe"
PAUSE_DAYS = 7

Enqueue = Callable[[list[int]], None]


# Unsubscribe tokens -------------------------------------------------------------------------


class InvalidToken(Exception):
    """A tampered, expired or malformed unsubscribe token."""


def unsubscribe_token_make(*, user_id: int) -> str:
    return signing.TimestampSigner(salt=UNSUBSCRIBE_SALT).sign(str(user_id))


def unsubscribe_token_read(*, token: str) -> int:
    max_age = datetime.timedelta(days=settings.REMINDERS_UNSUBSCRIBE_MAX_AGE_DAYS)
    try:
        value = signing.TimestampSigner(salt=UNSUBSCRIBE_SALT).unsign(token, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise InvalidToken("This unsubscribe link has expired.") from exc
    except signing.BadSignature as exc:
        raise InvalidToken("This unsubscribe link is not valid.") from exc
    if not value.isdigit():
        raise InvalidToken("This unsubscribe link is not valid.")
    return int(value)


def portal_url(path: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + path


# Preferences --------------------------------------------------------------------------------


def _effective_weekdays(*, weekdays: int, frequency: str) -> int:
    if frequency == ReminderPreference.Frequency.WEEKDAYS:
        return weekdays & MONDAY_TO_FRIDAY
    return weekdays


def _not_before(*, last_reminded_on: datetime.date | None, ignored: int) -> datetime.date | None:
    if last_reminded_on is None:
        return None
    return last_reminded_on + datetime.timedelta(days=backoff_days(ignored))


def reminder_schedule_refresh(
    *, preference: ReminderPreference, zone_name: str, now: datetime.datetime
) -> None:
    """Set next_due_at/next_due_local_date from the preference (not saved)."""
    slot = None
    if preference.enabled:
        after = max(now, preference.paused_until or now)
        slot = next_slot(
            after=after,
            zone=zone_or_utc(zone_name),
            at=preference.local_time,
            weekdays=preference.effective_weekdays,
            not_before=_not_before(
                last_reminded_on=preference.last_reminded_on,
                ignored=preference.consecutive_ignored,
            ),
        )
    preference.next_due_at, preference.next_due_local_date = slot or (None, None)


@transaction.atomic
def reminder_preference_update(
    *,
    user: User,
    enabled: bool,
    weekdays: int,
    local_time: datetime.time,
    timezone_name: str,
    frequency: str,
    skip_if_studied_today: bool,
    now: datetime.datetime | None = None,
) -> ReminderPreference:
    """Save the form. The time zone is the user's, so the streak and reminders agree on "today"."""
    now = now or timezone.now()
    if user.timezone != timezone_name:
        user.timezone = timezone_name
        user.save(update_fields=["timezone"])
    preference, _ = ReminderPreference.objects.select_for_update().get_or_create(user=user)
    preference.enabled = enabled
    preference.weekdays = weekdays
    preference.local_time = local_time.replace(second=0, microsecond=0)
    preference.frequency = frequency
    preference.skip_if_studied_today = skip_if_studied_today
    if enabled:
        # Changing the settings is a sign of life: start again from the normal rhythm.
        preference.consecutive_ignored = 0
    reminder_schedule_refresh(preference=preference, zone_name=timezone_name, now=now)
    preference.save()
    return preference


@transaction.atomic
def reminder_pause(
    *, user: User, days: int = PAUSE_DAYS, now: datetime.datetime | None = None
) -> ReminderPreference:
    now = now or timezone.now()
    preference, _ = ReminderPreference.objects.select_for_update().get_or_create(user=user)
    preference.paused_until = now + datetime.timedelta(days=days)
    reminder_schedule_refresh(preference=preference, zone_name=user.timezone, now=now)
    preference.save()
    return preference


@transaction.atomic
def reminder_resume(*, user: User, now: datetime.datetime | None = None) -> ReminderPreference:
    now = now or timezone.now()
    preference, _ = ReminderPreference.objects.select_for_update().get_or_create(user=user)
    preference.paused_until = None
    preference.enabled = True
    preference.consecutive_ignored = 0
    reminder_schedule_refresh(preference=preference, zone_name=user.timezone, now=now)
    preference.save()
    return preference


def reminder_unsubscribe(*, user_id: int) -> bool:
    """Turn reminders off at once. True when they were on."""
    changed = ReminderPreference.objects.filter(user_id=user_id, enabled=True).update(
        enabled=False, next_due_at=None, next_due_local_date=None, updated_at=timezone.now()
    )
    return bool(changed)


# Dispatch -----------------------------------------------------------------------------------


@dataclass
class DispatchResult:
    claimed: int = 0
    already_claimed: int = 0
    requeued: int = 0
    batches: int = 0
    delivery_ids: list[int] = field(default_factory=list)


def _default_enqueue(delivery_ids: list[int]) -> None:
    from apps.reminders.tasks import reminder_send_batch_task

    reminder_send_batch_task.delay_on_commit(delivery_ids)


def _chunks(ids: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


PREF = ReminderPreference._meta.db_table
DELIVERY = ReminderDelivery._meta.db_table
USER = User._meta.db_table
ACTIVITY = ActivityDay._meta.db_table

CLAIM_SELECT = f"""
SELECT p.id, p.user_id, p.next_due_at, p.next_due_local_date, p.local_time, p.weekdays,
       p.frequency, p.consecutive_ignored, p.last_reminded_on, u.timezone,
       EXISTS (SELECT 1 FROM {ACTIVITY} a WHERE a.user_id = p.user_id
               AND a.day >= p.last_reminded_on AND a.reads + a.ticks + a.reviews > 0)
FROM {PREF} p JOIN {USER} u ON u.id = p.user_id
WHERE p.enabled AND p.next_due_at <= %s
ORDER BY p.next_due_at
LIMIT %s
FOR UPDATE OF p SKIP LOCKED
"""  # noqa: S608 - table names come from the models; values are parameters

CLAIM_INSERT = f"""
INSERT INTO {DELIVERY}
    (user_id, local_date, status, reason, attempts, ignored_streak, created_at, requeue_after)
SELECT t.user_id, t.local_date, 'pending', '', 0, t.ignored, %s, %s
FROM unnest(%s::bigint[], %s::date[], %s::int[]) AS t(user_id, local_date, ignored)
ON CONFLICT (user_id, local_date) DO NOTHING
RETURNING id, user_id
"""  # noqa: S608

ADVANCE_UPDATE = f"""
UPDATE {PREF} AS p
SET next_due_at = t.due, next_due_local_date = t.due_date, consecutive_ignored = t.ignored,
    last_reminded_on = t.reminded_on, updated_at = %s
FROM unnest(%s::bigint[], %s::timestamptz[], %s::date[], %s::int[], %s::date[])
    AS t(id, due, due_date, ignored, reminded_on)
WHERE p.id = t.id
"""  # noqa: S608

REQUEUE_UPDATE = f"""
UPDATE {DELIVERY} SET requeue_after = %s
WHERE id IN (
    SELECT id FROM {DELIVERY}
    WHERE status = 'pending' AND requeue_after <= %s
    ORDER BY requeue_after
    LIMIT %s
    FOR UPDATE SKIP LOCKED
)
RETURNING id
"""  # noqa: S608


class _DueRow(NamedTuple):
    preference_id: int
    user_id: int
    due_at: datetime.datetime
    due_date: datetime.date
    at: datetime.time
    weekdays: int
    frequency: str
    ignored: int
    last_reminded_on: datetime.date | None
    zone_name: str
    active_since_last: bool

    @property
    def ignored_if_claimed(self) -> int:
        """Reminders in a row without any activity, counting the last one."""
        if self.last_reminded_on is None or self.active_since_last:
            return 0
        return self.ignored + 1


def _advance(*, row: _DueRow, claimed: bool, now: datetime.datetime) -> tuple:
    """The preference's next slot, ignored count and last reminder date after this claim."""
    ignored, last_on = row.ignored, row.last_reminded_on
    if claimed:
        ignored, last_on = row.ignored_if_claimed, row.due_date
    not_before = row.due_date + datetime.timedelta(days=1)
    backoff = _not_before(last_reminded_on=last_on, ignored=ignored)
    slot = next_slot(
        after=max(now, row.due_at),
        zone=zone_or_utc(row.zone_name),
        at=row.at,
        weekdays=_effective_weekdays(weekdays=row.weekdays, frequency=row.frequency),
        not_before=max(not_before, backoff) if backoff else not_before,
    )
    due_at, due_date = slot or (None, None)
    return row.preference_id, due_at, due_date, ignored, last_on


def _claim_batch(
    *, now: datetime.datetime, limit: int, chunk: int, enqueue: Enqueue, result: DispatchResult
) -> int:
    """Claim up to `limit` due users in one transaction; returns how many rows were due."""
    requeue_after = now + datetime.timedelta(seconds=settings.REMINDERS_REQUEUE_AFTER_SECONDS)
    with transaction.atomic(), db.cursor() as cursor:
        cursor.execute(CLAIM_SELECT, [now, limit])
        due = [_DueRow(*row) for row in cursor.fetchall()]
        if not due:
            return 0
        cursor.execute(
            CLAIM_INSERT,
            [now, requeue_after, [r.user_id for r in due], [r.due_date for r in due],
             [r.ignored_if_claimed for r in due]],
        )  # fmt: skip
        inserted = {user_id: delivery_id for delivery_id, user_id in cursor.fetchall()}
        # A row that lost the insert (that day already has a delivery) still moves on.
        updates = [_advance(row=row, claimed=row.user_id in inserted, now=now) for row in due]
        cursor.execute(ADVANCE_UPDATE, [now, *map(list, zip(*updates, strict=True))])
        delivery_ids = sorted(inserted.values())
        for part in _chunks(delivery_ids, chunk):
            enqueue(part)
    result.claimed += len(delivery_ids)
    result.already_claimed += len(due) - len(delivery_ids)
    result.batches += 1
    result.delivery_ids.extend(delivery_ids)
    return len(due)


def _requeue_stale(
    *, now: datetime.datetime, limit: int, chunk: int, enqueue: Enqueue, result: DispatchResult
) -> int:
    later = now + datetime.timedelta(seconds=settings.REMINDERS_REQUEUE_AFTER_SECONDS)
    with transaction.atomic(), db.cursor() as cursor:
        cursor.execute(REQUEUE_UPDATE, [later, now, limit])
        ids = sorted(row[0] for row in cursor.fetchall())
        for part in _chunks(ids, chunk):
            enqueue(part)
    result.requeued += len(ids)
    return len(ids)


def reminder_dispatch(
    *,
    now: datetime.datetime | None = None,
    batch_size: int | None = None,
    chunk_size: int | None = None,
    enqueue: Enqueue | None = None,
) -> DispatchResult:
    """Claim every user whose reminder is due, queue their sends, and queue again any pending
    delivery whose worker vanished. Safe to run twice at once."""
    now = now or timezone.now()
    batch_size = batch_size or settings.REMINDERS_DISPATCH_BATCH
    chunk_size = chunk_size or settings.REMINDERS_SEND_CHUNK
    enqueue = enqueue or _default_enqueue
    result = DispatchResult()
    while _claim_batch(now=now, limit=batch_size, chunk=chunk_size, enqueue=enqueue,
                       result=result) == batch_size:  # fmt: skip
        pass
    while _requeue_stale(now=now, limit=batch_size, chunk=chunk_size, enqueue=enqueue,
                         result=result) == batch_size:  # fmt: skip
        pass
    return result


# Sending ------------------------------------------------------------------------------------


@dataclass
class SendOutcome:
    status: str
    reason: str = ""
    retry_in: float | None = None


def retry_countdown(*, attempts: int) -> float:
    """Exponential backoff with jitter, capped below the broker's visibility timeout."""
    cap = min(
        settings.REMINDERS_RETRY_MAX_COUNTDOWN,
        settings.REMINDERS_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0),
    )
    return cap / 2 + random.uniform(0, cap / 2)


def _permanent(exc: Exception) -> bool:
    """5xx replies will not change by retrying; 4xx replies and dropped connections may."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return False


def _skip_reason(
    *, delivery: ReminderDelivery, preference: ReminderPreference | None, now: datetime.datetime
) -> str:
    user = delivery.user
    if not user.is_active or not user.email:
        return "account inactive or without an email address"
    if preference is None or not preference.enabled:
        return "reminders turned off since this was queued"
    if preference.paused_until and preference.paused_until > now:
        return "reminders paused since this was queued"
    if preference.skip_if_studied_today:
        studied = (
            ActivityDay.objects.filter(user=user, day=delivery.local_date)
            .values_list("reads", "ticks", "reviews")
            .first()
        )
        if studied and sum(studied):
            return "already studied that day"
    return ""


class ReminderEmailMessage(EmailMultiAlternatives):
    """Keeps header lines whole up to RFC 5322's 998 characters. With the default 78, Python
    folds a List-Unsubscribe URL that has no spaces into an RFC 2047 encoded word, which mail
    clients do not decode in that header, and the one-click link stops working."""

    def message(self, *, policy=email.policy.default):
        return super().message(policy=policy.clone(max_line_length=998))


def reminder_email_build(
    *, delivery: ReminderDelivery, preference: ReminderPreference
) -> EmailMultiAlternatives:
    user = delivery.user
    token = unsubscribe_token_make(user_id=user.pk)
    unsubscribe_url = portal_url(reverse("reminders:unsubscribe", args=[token]))
    context = selectors.reminder_email_context(
        user=user,
        local_date=delivery.local_date,
        ignored_streak=delivery.ignored_streak,
        preference=preference,
        unsubscribe_url=unsubscribe_url,
    )
    host = urlsplit(settings.PORTAL_BASE_URL).hostname or "localhost"
    message = ReminderEmailMessage(
        subject=context.subject,
        body=render_to_string("emails/reminders/reminder.txt", {"email": context}),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
            # The same id for every attempt: mail clients fold an accidental second copy into one.
            "Message-ID": f"<reminder-{delivery.pk}-{delivery.local_date:%Y%m%d}@{host}>",
        },
    )
    message.attach_alternative(
        render_to_string("emails/reminders/reminder.html", {"email": context}), "text/html"
    )
    return message


def reminder_delivery_send(
    *, delivery_id: int, connection=None, now: datetime.datetime | None = None
) -> SendOutcome:
    """Send one pending delivery, holding its row lock so no other worker can send it too."""
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            ReminderDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("user")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            # Deleted, or another worker holds it right now and will finish it.
            return SendOutcome(status="busy")
        if delivery.status != ReminderDelivery.Status.PENDING:
            return SendOutcome(status=delivery.status)
        preference = ReminderPreference.objects.filter(user=delivery.user).first()
        reason = _skip_reason(delivery=delivery, preference=preference, now=now)
        if reason:
            delivery.status = ReminderDelivery.Status.SKIPPED
            delivery.reason = reason
            delivery.save(update_fields=["status", "reason"])
            return SendOutcome(status=delivery.status, reason=reason)
        assert preference is not None
        message = reminder_email_build(delivery=delivery, preference=preference)
        delivery.attempts += 1
        try:
            _send(message, connection)
        except (smtplib.SMTPException, OSError) as exc:
            delivery.reason = f"attempt {delivery.attempts}: {type(exc).__name__}: {exc}"[:1000]
            retry_in = None
            if _permanent(exc) or delivery.attempts >= settings.REMINDERS_MAX_ATTEMPTS:
                delivery.status = ReminderDelivery.Status.FAILED
            else:
                retry_in = retry_countdown(attempts=delivery.attempts)
                delivery.requeue_after = now + datetime.timedelta(
                    seconds=retry_in + settings.REMINDERS_REQUEUE_AFTER_SECONDS
                )
            delivery.save(update_fields=["status", "reason", "attempts", "requeue_after"])
            logger.warning("reminder %s: %s", delivery.pk, delivery.reason)
            if connection is not None:
                connection.close()
            return SendOutcome(status=delivery.status, reason=delivery.reason, retry_in=retry_in)
        delivery.status = ReminderDelivery.Status.SENT
        delivery.sent_at = timezone.now()
        delivery.reason = ""
        delivery.save(update_fields=["status", "sent_at", "reason", "attempts"])
        return SendOutcome(status=delivery.status)


def _send(message: EmailMultiAlternatives, connection) -> None:
    message.connection = connection or get_connection()
    message.send(fail_silently=False)


def reminder_deliveries_resend(*, delivery_ids: list[int]) -> int:
    """Put deliveries back to pending and queue them once the transaction commits."""
    from apps.reminders.tasks import reminder_send_batch_task

    with transaction.atomic():
        ids = list(
            ReminderDelivery.objects.filter(pk__in=delivery_ids)
            .select_for_update()
            .values_list("pk", flat=True)
        )
        ReminderDelivery.objects.filter(pk__in=ids).update(
            status=ReminderDelivery.Status.PENDING,
            reason="",
            attempts=0,
            sent_at=None,
            requeue_after=timezone.now()
            + datetime.timedelta(seconds=settings.REMINDERS_REQUEUE_AFTER_SECONDS),
        )
        for part in _chunks(sorted(ids), settings.REMINDERS_SEND_CHUNK):
            reminder_send_batch_task.delay_on_commit(part)
    return len(ids)
