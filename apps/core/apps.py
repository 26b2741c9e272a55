from importlib import import_module

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from apps.core import signals

        # The project's Celery app, made as Django starts: `shared_task`s bind to the current
        # app when used, and it must be this one (see portal/__init__.py).
        import_module("portal.celery_app")

        post_migrate.connect(signals.sync_site, sender=self, dispatch_uid="core.sync_site")
