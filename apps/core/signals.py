from django.contrib.admin.models import LogEntry
from django.db.models.signals import post_save
from django.dispatch import receiver

from apps.core.services import audit_record_log_entry, site_sync_from_settings


@receiver(post_save, sender=LogEntry, dispatch_uid="core.audit_admin_log_entry")
def audit_admin_change(sender, instance: LogEntry, created: bool, **kwargs) -> None:
    # Every ModelAdmin add/change/delete (and every action that calls log_change), in every
    # app, including ones added later, lands in the audit trail without per-admin code.
    if created:
        audit_record_log_entry(entry=instance)


def sync_site(sender, **kwargs) -> None:
    # After every `migrate` (make setup, deploys, the test database) and flush: the sites app
    # creates its row as "example.com"; this names it after the portal and its address.
    site_sync_from_settings()
