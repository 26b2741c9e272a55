from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "apps.reminders"
    label = "reminders"
    verbose_name = "Reading reminders"

    def ready(self) -> None:
        from apps.reminders import checks  # noqa: F401 - registers the system checks
