"""Writes for git sources: saving a source, syncing it (fetch, check out, import), polling."""

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from apps.core.models import AuditEvent
from apps.core.services import audit_record
from apps.guides.models import Guide, TaskItem
from apps.guides.services import ImportReport, guides_import
from apps.sources.git import GitError, WorkingCopy, branch_check, remote_parse, subpath_check
from apps.sources.models import Source, SyncRun

logger = logging.getLogger(__name__)

# pg_try_advisory_lock(namespace, source id): one sync per source across every worker.
ADVISORY_LOCK_NAMESPACE = 0x5C_0001


class SourceInvalid(ValueError):
    pass


@dataclass
class SyncOutcome:
    """What a sync did. `status` is a SyncRun status, or "unchanged" (nothing new: no run is
    recorded) or "busy" (another sync of this source holds the lock)."""

    source: str
    status: str
    commit: str = ""
    previous_commit: str = ""
    run_id: int | None = None
    error: str = ""
    duration_ms: int = 0
    changes: dict[str, int] = field(default_factory=dict)
    report: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def source_save(
    *,
    name: str,
    url: str,
    branch: str = "main",
    subpath: str = "",
    webhook_secret: str | None = None,
    credential_env: str | None = None,
    poll_interval: int | None = None,
) -> tuple[Source, bool]:
    """Create or update the source `name`. The URL is checked (without DNS) before saving."""
    try:
        remote_parse(url)
        branch_check(branch)
        subpath = subpath_check(subpath)
    except GitError as exc:
        raise SourceInvalid(str(exc)) from None
    source = Source.objects.filter(name=name).first() or Source(name=name)
    created = source.pk is None
    source.url, source.branch, source.subpath = url.strip(), branch, subpath
    if webhook_secret is not None:
        source.webhook_secret = webhook_secret
    if credential_env is not None:
        source.credential_env = credential_env
    if poll_interval is not None:
        source.poll_interval = poll_interval
    if created or source.next_poll_at is None:
        source.next_poll_at = timezone.now()
    source.full_clean()
    source.save()
    return source, created


@contextmanager
def source_lock(*, source_id: int) -> Iterator[bool]:
    """A session-level PostgreSQL advisory lock: released on exit, or by PostgreSQL when the
    worker's connection dies, so a killed worker never leaves a source locked."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_lock(%s, %s)", [ADVISORY_LOCK_NAMESPACE, source_id % 2**31]
        )
        acquired = bool(cursor.fetchone()[0])
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_unlock(%s, %s)",
                    [ADVISORY_LOCK_NAMESPACE, source_id % 2**31],
                )


def source_sync(
    *, source: Source, trigger: str, started_by: Any = None, force: bool = False
) -> SyncOutcome:
    """Fetch the source's branch and import its tree if it changed. A failure (refused URL,
    unreachable remote, missing branch or folder, over a limit) writes nothing to the library
    and is recorded on the source and as a failed run. `force` imports an unchanged tree."""
    with source_lock(source_id=source.pk) as acquired:
        if not acquired:
            return SyncOutcome(source=source.name, status="busy")
        source.refresh_from_db()
        return _source_sync_locked(
            source=source, trigger=trigger, started_by=started_by, force=force
        )


def _source_sync_locked(
    *, source: Source, trigger: str, started_by: Any, force: bool
) -> SyncOutcome:
    started = time.monotonic()
    now = timezone.now()
    previous = source.last_commit
    try:
        remote = remote_parse(source.url, resolve=True)
        copy = WorkingCopy(name=source.name, remote=remote, credential_env=source.credential_env)
        copy.prepare()
        sha = copy.fetch(branch=source.branch)
        fetched = time.monotonic()
        info = copy.commit_info(sha=sha, subpath=source.subpath)
        if info.tree == source.last_tree and not force:
            # Nothing to import (the commit may differ: a change outside the sub-folder).
            source.last_commit = sha
            source.last_checked_at = now
            source.last_error = ""
            source.save(update_fields=["last_commit", "last_checked_at", "last_error"])
            return SyncOutcome(
                source=source.name,
                status="unchanged",
                commit=sha,
                previous_commit=previous,
                duration_ms=_elapsed_ms(started),
            )
        copy.limits_check(tree=info.tree)
        tree_dir = copy.checkout(tree=info.tree)
        checked_out = time.monotonic()
    except GitError as exc:
        return _sync_failed(source=source, trigger=trigger, error=str(exc), started=started)

    run = SyncRun.objects.create(
        source=source,
        trigger=trigger,
        previous_commit=previous,
        commit=sha,
        commit_author=info.author,
        commit_message=info.message[:5000],
        committed_at=info.committed_at,
    )
    before = _library_counts(label=source.name)
    try:
        report = guides_import(
            path=tree_dir,
            started_by=started_by,
            source=f"{source.name} @ {sha[:12]} ({source.url}, {source.branch})",
        )
    except Exception as exc:  # a bug or a database error: the run must not stay "running"
        logger.exception("source %s: import of %s failed", source.name, sha[:12])
        run.delete()  # the failed run below records it, with the commit kept in the message
        return _sync_failed(
            source=source,
            trigger=trigger,
            error=f"the import of {sha[:12]} failed: {exc.__class__.__name__}: {exc}",
            started=started,
        )
    after = _library_counts(label=source.name)
    summary = import_summary(report=report)
    changes = {
        "guides_created": summary["created"],
        "guides_updated": summary["updated"],
        "guides_archived": max(after["guides_archived"] - before["guides_archived"], 0),
        "items_added": max(after["items"] - before["items"], 0),
        "items_archived": max(after["items_archived"] - before["items_archived"], 0),
    }
    run.status = SyncRun.Status.PARTIAL if summary["failed"] else SyncRun.Status.SUCCEEDED
    run.finished_at = timezone.now()
    run.duration_ms = _elapsed_ms(started)
    run.report = {
        **summary["report"],
        "commit": sha,
        "timings_ms": {
            "fetch": round((fetched - started) * 1000),
            "check_and_checkout": round((checked_out - fetched) * 1000),
            "import": round((time.monotonic() - checked_out) * 1000),
        },
    }
    run.import_run_id = summary["run_id"]
    for name, value in changes.items():
        setattr(run, name, value)
    run.save()
    source.last_commit, source.last_tree = sha, info.tree
    source.last_checked_at = source.last_synced_at = run.finished_at
    source.last_error = (
        f"{summary['failed']} guide(s) failed to import: see run {run.pk}"
        if summary["failed"]
        else ""
    )
    source.save(
        update_fields=[
            "last_commit",
            "last_tree",
            "last_checked_at",
            "last_synced_at",
            "last_error",
        ]
    )
    audit_record(
        actor=started_by,
        action=AuditEvent.Action.IMPORTED,
        obj=run,
        message=f"{run.get_status_display()} at {sha[:12]} ({trigger}): "
        + ", ".join(f"{value} {name.replace('_', ' ')}" for name, value in changes.items()),
    )
    logger.info("source %s synced to %s: %s", source.name, sha[:12], changes)
    return SyncOutcome(
        source=source.name,
        status=run.status,
        commit=sha,
        previous_commit=previous,
        run_id=run.pk,
        duration_ms=run.duration_ms,
        changes=changes,
        report=run.report,
    )


def import_summary(*, report: ImportReport) -> dict[str, Any]:
    """The one place that reads the importer's report: its JSON, counts by status, run id.
    Read defensively: the report's shape may grow."""
    data = report.as_dict()
    totals = data.get("totals") or {}
    if not totals:
        for guide in data.get("guides", []):
            totals[guide.get("status", "")] = totals.get(guide.get("status", ""), 0) + 1
    return {
        "report": data,
        "created": int(totals.get("created", 0)),
        "updated": int(totals.get("updated", 0)),
        "failed": int(totals.get("failed", 0)),
        "run_id": getattr(report, "run_id", None),
    }


def _library_counts(*, label: str) -> dict[str, int]:
    guides = Guide.objects.filter(source_path__startswith=f"{label}/").aggregate(
        guides_archived=Count("pk", filter=Q(is_archived=True))
    )
    items = TaskItem.objects.filter(guide__source_path__startswith=f"{label}/").aggregate(
        items=Count("pk"),
        # An archived guide takes its items out of the library too.
        items_archived=Count("pk", filter=Q(is_archived=True) | Q(guide__is_archived=True)),
    )
    return {**guides, **items}


def _sync_failed(*, source: Source, trigger: str, error: str, started: float) -> SyncOutcome:
    now = timezone.now()
    run = SyncRun.objects.create(
        source=source,
        trigger=trigger,
        status=SyncRun.Status.FAILED,
        previous_commit=source.last_commit,
        finished_at=now,
        duration_ms=_elapsed_ms(started),
        error=error,
    )
    source.last_error = error
    source.last_checked_at = now
    source.save(update_fields=["last_error", "last_checked_at"])
    logger.warning("source %s: sync failed: %s", source.name, error)
    return SyncOutcome(
        source=source.name,
        status=run.status,
        previous_commit=source.last_commit,
        run_id=run.pk,
        error=error,
        duration_ms=run.duration_ms or 0,
    )


def _elapsed_ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


@transaction.atomic
def sources_claim_due(*, now: Any = None) -> list[int]:
    """Sources whose poll is due, moved on to their next poll in the same statement, so two
    beats (or a slow worker) never poll one source twice for the same slot."""
    now = now or timezone.now()
    due = list(
        Source.objects.select_for_update(skip_locked=True)
        .filter(is_enabled=True, poll_interval__gt=0, next_poll_at__lte=now)
        .only("pk", "poll_interval")
    )
    for source in due:
        source.next_poll_at = now + timedelta(seconds=source.poll_interval)
    Source.objects.bulk_update(due, ["next_poll_at"])
    return [source.pk for source in due]
