from django.core.management.base import BaseCommand

from apps.sources.selectors import source_list


class Command(BaseCommand):
    help = "List the git sources with their last commit, last sync and last error."

    def handle(self, *args, **options) -> None:
        sources = list(source_list())
        if not sources:
            self.stdout.write("No sources. Add one with: manage.py source_add NAME URL")
            return
        for source in sources:
            synced = f"{source.last_synced_at:%Y-%m-%d %H:%M}" if source.last_synced_at else "never"
            line = (
                f"{source.name}  {source.url}  {source.branch}"
                f"{'  /' + source.subpath if source.subpath else ''}"
                f"  commit {source.last_commit[:12] or '-'}  synced {synced}"
                f"  poll {source.poll_interval or 'off'}{'s' if source.poll_interval else ''}"
                f"{'' if source.is_enabled else '  (disabled)'}"
            )
            self.stdout.write(line)
            if source.last_error:
                self.stdout.write(self.style.ERROR(f"    last error: {source.last_error}"))
