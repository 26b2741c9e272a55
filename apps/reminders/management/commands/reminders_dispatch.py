from django.core.management.base import BaseCommand

from apps.reminders.services import reminder_dispatch


class Command(BaseCommand):
    help = "Claim due reminders and queue their sends now, as the beat task does every 5 minutes."

    def handle(self, *args, **options) -> None:
        result = reminder_dispatch()
        self.stdout.write(
            f"claimed {result.claimed}, already claimed {result.already_claimed}, "
            f"queued again {result.requeued}"
        )
