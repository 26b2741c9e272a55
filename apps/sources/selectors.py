"""Reads for git sources."""

from django.db.models import QuerySet

from apps.guides.models import Guide
from apps.sources.models import Source, SyncRun


def source_list() -> QuerySet[Source]:
    return Source.objects.order_by("name")


def source_for_guide(*, guide: Guide) -> Source | None:
    """The source a guide was imported from: its guides' paths start with the source's name."""
    label = guide.source_path.split("/", 1)[0]
    if not label or "/" not in guide.source_path:
        return None
    return (
        Source.objects.filter(name=label)
        .only("name", "url", "branch", "last_commit", "last_synced_at")
        .first()
    )


def source_runs_recent(*, source: Source, limit: int = 20) -> QuerySet[SyncRun]:
    return source.runs.order_by("-started_at")[:limit]
