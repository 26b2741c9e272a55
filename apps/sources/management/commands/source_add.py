from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.sources.services import SourceInvalid, source_save


class Command(BaseCommand):
    help = "Create or update a git source the library follows."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="A slug; also the label of its guides.")
        parser.add_argument("url", help="https://…, ssh://…, git@host:path, or a local path.")
        parser.add_argument("--branch", default="main")
        parser.add_argument("--path", default="", help="Import only this sub-folder.")
        parser.add_argument("--webhook-secret", default=None)
        parser.add_argument(
            "--credential-env",
            default=None,
            help="Environment variable with an https token, or for ssh a deploy key's path.",
        )
        parser.add_argument("--poll-interval", type=int, default=None, help="Seconds; 0: never.")

    def handle(self, *args, name: str, url: str, branch: str, path: str, **options) -> None:
        try:
            source, created = source_save(
                name=name,
                url=url,
                branch=branch,
                subpath=path,
                webhook_secret=options["webhook_secret"],
                credential_env=options["credential_env"],
                poll_interval=options["poll_interval"],
            )
        except SourceInvalid as exc:
            raise CommandError(str(exc)) from None
        except ValidationError as exc:  # full_clean: a bad name or interval
            raise CommandError("; ".join(exc.messages)) from None
        verb = "Created" if created else "Updated"
        self.stdout.write(f"{verb} source {source.name}: {source.url} ({source.branch})")
