import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.reminders.schedule import EVERY_DAY, MONDAY_TO_FRIDAY, mask_days


class ReminderPreference(models.Model):
    """When and how a user wants reading reminders. The time zone is the user's own
    (`User.timezone`), the one the rest of the portal counts local days in."""

    class Frequency(models.TextChoices):
        DAILY = "daily", "On each chosen day"
        WEEKDAYS = "weekdays", "Weekdays only"
        WEEKLY = "weekly", "Once a week"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_preference"
    )
    enabled = models.BooleanField(default=False)
    # Bit 0 is Monday, as datetime.weekday() counts.
    weekdays = models.PositiveSmallIntegerField(default=EVERY_DAY)
    local_time = models.TimeField(default=datetime.time(18, 0))
    frequency = models.CharField(max_length=16, choices=Frequency.choices, default=Frequency.DAILY)
    skip_if_studied_today = models.BooleanField(default=True)
    paused_until = models.DateTimeField(null=True, blank=True)
    consecutive_ignored = models.PositiveSmallIntegerField(default=0)
    last_reminded_on = models.DateField(null=True, blank=True)
    # The next slot, in UTC, and the user's local date it belongs to; the dispatcher reads these.
    next_due_at = models.DateTimeField(null=True, blank=True)
    next_due_local_date = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(weekdays__gte=1, weekdays__lte=EVERY_DAY),
                name="reminderpreference_weekdays_mask",
            ),
            models.CheckConstraint(
                condition=Q(enabled=False)
                | Q(next_due_at__isnull=True)
                | Q(next_due_local_date__isnull=False),
                name="reminderpreference_due_has_local_date",
            ),
        ]
        indexes = [
            # The dispatcher's only query: an index range scan over enabled, due rows.
            models.Index(
                fields=["next_due_at"], condition=Q(enabled=True), name="reminderpref_due_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"Reminders for {self.user_id} ({'on' if self.enabled else 'off'})"

    @property
    def effective_weekdays(self) -> int:
        if self.frequency == self.Frequency.WEEKDAYS:
            return self.weekdays & MONDAY_TO_FRIDAY
        return self.weekdays

    @property
    def chosen_days(self) -> list[int]:
        return mask_days(self.weekdays)


class ReminderDelivery(models.Model):
    """One reminder for one user and local date. The unique pair is the claim: whoever inserts
    it sends it, and nobody can insert it twice."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Skipped"
        FAILED = "failed", "Failed"

    # Indexed by a composite index or unique constraint that starts with it (see
    # apps/core/tests/test_schema.py): its own index would only cost every insert.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reminder_deliveries",
        db_index=False,
    )
    local_date = models.DateField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    reason = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # How many reminders in a row had been ignored when this one was claimed; the email says so.
    ignored_streak = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # A pending delivery nobody has finished by then is queued again (a worker died holding it).
    requeue_after = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "reminder deliveries"
        ordering = ["-local_date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "local_date"], name="reminderdelivery_one_per_user_day"
            ),
        ]
        indexes = [
            models.Index(
                fields=["requeue_after"],
                condition=Q(status="pending"),
                name="reminderdelivery_stale_idx",
            ),
            models.Index(fields=["status", "-local_date"], name="reminderdelivery_status_idx"),
        ]

    def __str__(self) -> str:
        return f"Reminder for {self.user_id} on {self.local_date} ({self.status})"
