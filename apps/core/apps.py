from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from apps.core import signals

        post_migrate.connect(signals.sync_site, sender=self, dispatch_uid="core.sync_site")
