from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.guides.models import GlossaryTerm, Guide


class Card(models.Model):
    """A question made from a glossary term, rendered once when the term is imported."""

    class Kind(models.TextChoices):
        FORWARD = "forward", "Term → definition"
        USE_WHEN = "use_when", "Use this when → term"
        LIKE = "like", "Like → term"

    # Indexed by the constraint on (term, kind) and card_guide_idx (guide, is_archived): an index
    # on each alone only cost every insert.
    term = models.ForeignKey(
        GlossaryTerm, on_delete=models.CASCADE, related_name="cards", db_index=False
    )
    guide = models.ForeignKey(Guide, on_delete=models.CASCADE, related_name="cards", db_index=False)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    front_html = models.TextField()
    back_html = models.TextField()
    is_archived = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["term", "kind"], name="card_one_per_term_kind"),
        ]
        indexes = [models.Index(fields=["guide", "is_archived"], name="card_guide_idx")]

    def __str__(self) -> str:
        return f"{self.term} ({self.get_kind_display()})"


class CardState(models.Model):
    """One learner's schedule for one card: the fields of `fsrs.Card`, stored in UTC."""

    class State(models.IntegerChoices):
        NEW = 0, "New"
        LEARNING = 1, "Learning"
        REVIEW = 2, "Review"
        RELEARNING = 3, "Relearning"

    # Indexed by a composite index or unique constraint that starts with it (see
    # apps/core/tests/test_schema.py): its own index would only cost every insert.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, db_index=False)
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="states")
    # Denormalised from the card so a deck (a guide, a phase) filters without a join.
    guide = models.ForeignKey(Guide, on_delete=models.CASCADE, related_name="+")
    state = models.PositiveSmallIntegerField(choices=State.choices, default=State.NEW)
    step = models.PositiveSmallIntegerField(null=True, blank=True)
    stability = models.FloatField(null=True, blank=True)
    difficulty = models.FloatField(null=True, blank=True)
    due = models.DateTimeField()
    last_review = models.DateTimeField(null=True, blank=True)
    reps = models.PositiveIntegerField(default=0)
    lapses = models.PositiveIntegerField(default=0)
    # Like Anki's suspend: out of the review queue, schedule and history kept, until unsuspended.
    is_suspended = models.BooleanField(default=False)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "card"], name="cardstate_one_per_user_card"),
            models.CheckConstraint(condition=Q(state__lte=3), name="cardstate_state_valid"),
        ]
        indexes = [
            # The review queue: cards already studied, by due time.
            models.Index(
                fields=["user", "due"], condition=~Q(state=0), name="cardstate_user_due_idx"
            ),
            # New cards, in the order they were added (the guide's order).
            models.Index(
                fields=["user", "id"], condition=Q(state=0), name="cardstate_user_new_idx"
            ),
            models.Index(fields=["user", "guide", "due"], name="cardstate_user_guide_due_idx"),
            # The card browser: every card of the learner, by due time.
            models.Index(fields=["user", "due", "id"], name="cardstate_user_browse_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.card_id} {self.get_state_display()}"


class ReviewLog(models.Model):
    """One answer. Keeps the card's state before it, so undo restores it exactly."""

    class Rating(models.IntegerChoices):
        AGAIN = 1, "Again"
        HARD = 2, "Hard"
        GOOD = 3, "Good"
        EASY = 4, "Easy"

    # Indexed by a composite index or unique constraint that starts with it (see
    # apps/core/tests/test_schema.py): its own index would only cost every insert.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, db_index=False)
    card_state = models.ForeignKey(
        CardState, on_delete=models.CASCADE, related_name="logs", db_index=False
    )
    rating = models.PositiveSmallIntegerField(choices=Rating.choices)
    reviewed_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    # The card as it was before this answer.
    reps_before = models.PositiveIntegerField()
    state_before = models.PositiveSmallIntegerField(choices=CardState.State.choices)
    step_before = models.PositiveSmallIntegerField(null=True, blank=True)
    stability_before = models.FloatField(null=True, blank=True)
    difficulty_before = models.FloatField(null=True, blank=True)
    due_before = models.DateTimeField()
    last_review_before = models.DateTimeField(null=True, blank=True)
    lapses_before = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            # A card is answered once per repetition: a double-submitted answer is refused here.
            models.UniqueConstraint(
                fields=["card_state", "reps_before"], name="reviewlog_once_per_rep"
            ),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=4), name="rating_1_4"),
        ]
        indexes = [models.Index(fields=["user", "reviewed_at"], name="reviewlog_user_time_idx")]

    def __str__(self) -> str:
        return f"{self.card_state_id} rated {self.rating} at {self.reviewed_at:%Y-%m-%d %H:%M}"


class ReviewSettings(models.Model):
    """A learner's scheduling choices."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_settings"
    )
    desired_retention = models.FloatField(default=0.9)
    new_cards_per_day = models.PositiveSmallIntegerField(default=20)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(desired_retention__gte=0.7, desired_retention__lte=0.99),
                name="desired_retention_range",
            ),
            models.CheckConstraint(
                condition=Q(new_cards_per_day__lte=500), name="new_cards_per_day_max"
            ),
        ]

    def __str__(self) -> str:
        return f"Review settings of {self.user_id}"
