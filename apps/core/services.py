"""Writes for the site's plumbing: the audit trail."""

from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.db import models

from apps.core.models import AuditEvent

_LOG_ENTRY_ACTIONS = {
    ADDITION: AuditEvent.Action.ADDED,
    CHANGE: AuditEvent.Action.CHANGED,
    DELETION: AuditEvent.Action.DELETED,
}


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    message: str = "",
) -> AuditEvent:
    """Record one event. `actor` is a user, or None for the command line and scheduled jobs."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if is_user else None,
        actor_label=(actor.email or actor.get_username()) if is_user else "system (manage.py)",
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:200],
        message=message,
    )


def audit_record_log_entry(*, entry: LogEntry) -> AuditEvent:
    """Mirror an admin LogEntry, with its change message in words."""
    content_type = entry.content_type
    return audit_record(
        actor=entry.user,
        action=_LOG_ENTRY_ACTIONS.get(entry.action_flag, AuditEvent.Action.CHANGED),
        object_type=content_type.app_labeled_name if content_type else "",
        object_id=entry.object_id or "",
        object_repr=entry.object_repr,
        message=entry.get_change_message(),
    )


SITE_NAME = "Learning Portal"


def site_sync_from_settings() -> None:
    """Name the django.contrib.sites row after the portal, not "example.com": allauth puts the
    site's name in every account email's subject and body, and its domain in their links."""
    from urllib.parse import urlsplit

    from django.conf import settings
    from django.contrib.sites.models import Site

    domain = urlsplit(settings.PORTAL_BASE_URL).netloc or "localhost"
    Site.objects.update_or_create(
        pk=settings.SITE_ID, defaults={"name": SITE_NAME, "domain": domain}
    )
    Site.objects.clear_cache()
