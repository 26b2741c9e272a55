from django.core.management.base import BaseCommand

from apps.accounts.services import user_ensure_demo

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "learn-every-day"  # noqa: S105 - a documented local demo account


class Command(BaseCommand):
    help = "Create (or reset) the local demo learner and print its credentials."

    def handle(self, *args, **options) -> None:
        user_ensure_demo(email=DEMO_EMAIL, password=DEMO_PASSWORD)
        self.stdout.write(
            self.style.SUCCESS(f"Demo account: {DEMO_EMAIL} / {DEMO_PASSWORD} (staff, local only)")
        )
