from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """Who did what, when: every admin change (mirrored from Django's LogEntry) and every
    import run. The actor's email is copied so the trail survives the actor's account."""

    class Action(models.TextChoices):
        ADDED = "added", "Added"
        CHANGED = "changed", "Changed"
        DELETED = "deleted", "Deleted"
        IMPORTED = "imported", "Imported"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(max_length=254)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    action = models.CharField(max_length=16, choices=Action.choices)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_label} {self.action} {self.object_type} {self.object_repr}"


class ContentGeneration(models.Model):
    """One row whose value changes whenever a transaction that changed the library commits.

    Database triggers keep it (apps/core/contentgeneration.py), so every write counts, bulk
    or not, from any code path; the anonymous page cache compares it to know its pages are
    current."""

    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="contentgeneration_single_row"),
        ]

    def __str__(self) -> str:
        return f"content generation {self.value}"
