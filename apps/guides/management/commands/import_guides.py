import json
from pathlib import Path

from django.core import checks
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.guides.services import guides_import


class Command(BaseCommand):
    help = "Import a repository of Markdown guides (a folder or a single file) into lessons."
    # The checks of what an import writes. The others (URLs, templates, admin, caches) are the
    # web server's, run by `check` and every runserver; here the URL check alone loaded every
    # app's views, 0.2 s of CPU, longer than re-importing an unchanged learn-resources.
    requires_system_checks = [checks.Tags.models]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="Folder of guides, or one Markdown file.")
        parser.add_argument("--dry-run", action="store_true", help="Report only; write nothing.")
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")

    def handle(self, *args, path: Path, dry_run: bool, json: bool, **options) -> None:
        if not path.exists():
            raise CommandError(f"{path} does not exist")
        report = guides_import(path=path, dry_run=dry_run)
        data = report.as_dict()
        if json:
            self.stdout.write(_json_dumps(data))
        else:
            for guide in data["guides"]:
                line = f"{guide['status']:>9}  {guide['path']}"
                if guide["status"] in ("created", "updated", "unchanged"):
                    line += (
                        f"  ({guide['sections']} sections, {guide['glossary_terms']} terms, "
                        f"{guide['task_items']} tasks, {guide['diagrams']} diagrams)"
                    )
                if guide["reason"]:
                    line += f"  — {guide['reason']}"
                style = self.style.ERROR if guide["status"] == "failed" else (lambda s: s)
                self.stdout.write(style(line))
            for move in data["moved"]:
                self.stdout.write(
                    f"    moved  {move['from']} → {move['to']} (/guides/{move['slug']}/)"
                )
            for archived in data["archived"]:
                self.stdout.write(f" archived  {archived}  — the file is gone; progress is kept")
            totals = data["totals"]
            self.stdout.write(
                f"{totals['guides']} files: {totals['created']} created, {totals['updated']} "
                f"updated, {totals['unchanged']} unchanged, {totals['skipped']} skipped, "
                f"{totals['failed']} failed, {totals['archived']} archived, "
                f"{totals['moved']} moved; {totals['rendered']} parsed, "
                f"{totals['items_added']} items added, {totals['items_archived']} archived"
                + (" (dry run: nothing written)" if dry_run else "")
            )
        if report.failed:
            raise CommandError(
                f"{data['totals']['failed']} guide(s) failed to import", returncode=1
            )


def _json_dumps(data: dict) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)
