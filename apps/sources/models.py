from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse


class Source(models.Model):
    """A git repository the library follows. Its guides are imported under the label `name`
    (their `source_path` starts with `name/`), so one source never touches another's guides."""

    name = models.SlugField(
        max_length=100,
        unique=True,
        help_text="Also the folder label of its guides; the webhook is /sources/NAME/webhook/.",
    )
    url = models.CharField(
        max_length=1000,
        help_text="https://…, ssh://… or git@host:path, or a local path under SOURCES_LOCAL_ROOTS."
        " Never put credentials here: see credential_env.",
    )
    branch = models.CharField(max_length=200, default="main")
    subpath = models.CharField(
        "sub-folder", max_length=500, blank=True, help_text="Import only this folder of the tree."
    )
    webhook_secret = models.CharField(
        max_length=200, blank=True, help_text="Empty: webhooks are refused, polling only."
    )
    credential_env = models.CharField(
        max_length=100,
        blank=True,
        help_text="Name of the environment variable holding an https token, or for ssh the path"
        " of a deploy key. The value is never stored or shown.",
    )
    poll_interval = models.PositiveIntegerField(
        default=300,
        validators=[MinValueValidator(0)],
        help_text="Seconds between polls; 0 never polls (webhooks and 'Sync now' only).",
    )
    is_enabled = models.BooleanField(default=True)
    last_commit = models.CharField(max_length=64, blank=True)
    last_tree = models.CharField(max_length=64, blank=True, editable=False)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    next_poll_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["is_enabled", "next_poll_at"], name="source_due_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("admin:sources_source_change", args=[self.pk])


class SyncRun(models.Model):
    """One sync that fetched a new commit (or failed): what came in and what changed."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        PARTIAL = "partial", "Some guides failed"
        FAILED = "failed", "Failed"

    class Trigger(models.TextChoices):
        WEBHOOK = "webhook", "Webhook"
        POLL = "poll", "Poll"
        ADMIN = "admin", "Sync now (admin)"
        COMMAND = "command", "manage.py source_sync"

    # Indexed by a composite index or unique constraint that starts with it (see
    # apps/core/tests/test_schema.py): its own index would only cost every insert.
    source = models.ForeignKey(
        Source, on_delete=models.CASCADE, related_name="runs", db_index=False
    )
    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    previous_commit = models.CharField(max_length=64, blank=True)
    commit = models.CharField(max_length=64, blank=True)
    commit_author = models.CharField(max_length=300, blank=True)
    commit_message = models.TextField(blank=True)
    committed_at = models.DateTimeField(null=True, blank=True)
    guides_created = models.PositiveIntegerField(default=0)
    guides_updated = models.PositiveIntegerField(default=0)
    guides_archived = models.PositiveIntegerField(default=0)
    items_added = models.PositiveIntegerField(default=0)
    items_archived = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    report = models.JSONField(default=dict, blank=True)
    import_run = models.ForeignKey(
        "guides.ImportRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["source", "-started_at"], name="syncrun_source_idx")]

    def __str__(self) -> str:
        return f"{self.source} at {self.commit[:12] or '?'} ({self.get_status_display()})"
