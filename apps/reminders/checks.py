"""A retry countdown longer than the broker's visibility timeout makes Redis hand the same message
to a second worker while the first still holds it: the duplicate this app promises never to send."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def retry_countdown_within_visibility_timeout(app_configs, **kwargs) -> list[Error]:
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}) or {}
    visibility = options.get("visibility_timeout", 3600)
    longest = settings.REMINDERS_RETRY_MAX_COUNTDOWN
    if longest >= visibility:
        return [
            Error(
                f"REMINDERS_RETRY_MAX_COUNTDOWN ({longest} s) must be shorter than the broker's "
                f"visibility_timeout ({visibility} s).",
                hint="Lower the countdown or raise CELERY_BROKER_TRANSPORT_OPTIONS"
                "['visibility_timeout'].",
                id="reminders.E001",
            )
        ]
    return []
