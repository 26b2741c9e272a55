import secrets

from django.conf import settings
from django.db import models

from apps.guides.models import Guide, Section, TaskItem


class TaskProgress(models.Model):
    """One row per (user, task item), written with an upsert so two tabs never collide."""

    class State(models.TextChoices):
        TODO = "todo", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        SKIPPED = "skipped", "Skipped"

    # Indexed by a composite index or unique constraint that starts with it (see
    # apps/core/tests/test_schema.py): its own index would only cost every insert.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, db_index=False)
    item = models.ForeignKey(TaskItem, on_delete=models.CASCADE, related_name="progress")
    state = models.CharField(max_length=16, choices=State.choices, default=State.TODO)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "exercise progress"
        verbose_name_plural = "exercise progress"
        constraints = [
            models.UniqueConstraint(fields=["user", "item"], name="taskprogress_one_per_user_item"),
        ]
        indexes = [models.Index(fields=["user", "-updated_at"], name="taskprogress_recent_idx")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.item_id}={self.state}"


class SectionRead(models.Model):
    # Indexed by a composite index or unique constraint that starts with it (see
    # apps/core/tests/test_schema.py): its own index would only cost every insert.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, db_index=False)
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="reads")
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "section"], name="sectionread_one_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.section_id}"


class ActivityDay(models.Model):
    """Counts of real activity per user and local day; the heatmap and the streak read it."""

    # Indexed by a composite index or unique constraint that starts with it (see
    # apps/core/tests/test_schema.py): its own index would only cost every insert.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, db_index=False)
    day = models.DateField()
    reads = models.PositiveIntegerField(default=0)
    ticks = models.PositiveIntegerField(default=0)
    reviews = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="activityday_one_per_user_day"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}"

    @property
    def total(self) -> int:
        return self.reads + self.ticks + self.reviews


def _new_share_token() -> str:
    return secrets.token_urlsafe(24)


class LearnerState(models.Model):
    """Per-user progress settings and pointers: where they left off, streak opt-in, sharing."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="learner_state"
    )
    last_guide = models.ForeignKey(Guide, null=True, blank=True, on_delete=models.SET_NULL)
    last_section_anchor = models.CharField(max_length=200, blank=True)
    last_visited_at = models.DateTimeField(null=True, blank=True)
    streak_enabled = models.BooleanField(default=False)
    share_token = models.CharField(max_length=64, null=True, blank=True, unique=True)

    def __str__(self) -> str:
        return f"Learner state of {self.user_id}"
