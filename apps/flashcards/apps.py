from django.apps import AppConfig


class FlashcardsConfig(AppConfig):
    name = "apps.flashcards"
    label = "flashcards"
    verbose_name = "Flashcards"

    def ready(self) -> None:
        from apps.flashcards import receivers  # noqa: F401  (connects the import signal)
