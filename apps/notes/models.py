from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual

# Enforced with a clear message in services.note_validate_body; the constraint is the backstop.
BODY_MAX_CHARS = 20_000


class Note(models.Model):
    """A learner's own Markdown note on a guide, optionally pinned to a section or an exercise."""

    # Indexed by a composite index or unique constraint that starts with it (see
    # apps/core/tests/test_schema.py): its own index would only cost every insert.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notes", db_index=False
    )
    guide = models.ForeignKey("guides.Guide", on_delete=models.CASCADE, related_name="notes")
    section_anchor = models.CharField(max_length=200, blank=True)
    task_item = models.ForeignKey(
        "guides.TaskItem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notes",
    )
    body_markdown = models.TextField()
    # Rendered and sanitised once at save; pages print it as is.
    body_html = models.TextField()
    search_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("body_markdown"), BODY_MAX_CHARS),
                name="note_body_max_length",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-updated_at"], name="note_user_updated_idx"),
            models.Index(fields=["user", "guide"], name="note_user_guide_idx"),
            GinIndex(fields=["search_vector"], name="note_search_idx"),
        ]

    def __str__(self) -> str:
        lines = self.body_markdown.strip().splitlines()
        return (lines[0][:80] if lines else "") or f"Note {self.pk}"

    def get_absolute_url(self) -> str:
        """Where the note points in its guide: the exercise, the section, or the guide itself."""
        url = self.guide.get_absolute_url()
        if self.task_item_id and self.task_item:
            return f"{url}#taskbox-{self.task_item.key}"
        if self.section_anchor:
            return f"{url}#{self.section_anchor}"
        return url
