import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.sources.models import Source, SyncRun
from apps.sources.services import source_sync


class Command(BaseCommand):
    help = "Fetch a git source and import its guides now (in this process, not through Celery)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")
        parser.add_argument("--force", action="store_true", help="Import even an unchanged tree.")

    def handle(self, *args, name: str, json: bool, force: bool, **options) -> None:
        source = Source.objects.filter(name=name).first()
        if source is None:
            raise CommandError(f"no source named {name!r} (see source_list)")
        outcome = source_sync(source=source, trigger=SyncRun.Trigger.COMMAND, force=force)
        if json:
            # The import_guides --json report, plus the commit and what the sync changed.
            data = {
                **(outcome.report or {"source": source.name, "guides": [], "totals": {}}),
                "commit": outcome.commit,
                "previous_commit": outcome.previous_commit,
                "status": outcome.status,
                "changes": outcome.changes,
                "error": outcome.error,
                "duration_ms": outcome.duration_ms,
            }
            self.stdout.write(_json_dumps(data))
        elif outcome.status == "unchanged":
            self.stdout.write(f"{name}: already at {outcome.commit[:12]}, nothing to import")
        elif outcome.status == "busy":
            self.stdout.write(f"{name}: another sync is running")
        elif outcome.error:
            pass
        else:
            changes = ", ".join(
                f"{value} {key.replace('_', ' ')}" for key, value in outcome.changes.items()
            )
            self.stdout.write(
                f"{name}: {outcome.previous_commit[:12] or '(none)'} -> {outcome.commit[:12]} "
                f"in {outcome.duration_ms} ms: {changes}"
            )
        if outcome.error:
            raise CommandError(f"{name}: sync failed: {outcome.error}", returncode=1)
        if outcome.status == SyncRun.Status.PARTIAL:
            raise CommandError(f"{name}: some guides failed to import", returncode=1)
        if outcome.status == "busy":
            raise CommandError(f"{name}: another sync of this source is running", returncode=2)


def _json_dumps(data: dict) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)
