import datetime

import pytest

from apps.reminders import selectors, tasks
from apps.reminders.models import ReminderPreference
from apps.reminders.services import reminder_schedule_refresh

from .factories import ReminderPreferenceFactory, UserFactory


@pytest.fixture(autouse=True)
def fresh_curriculum(monkeypatch):
    """Each test imports its own guides; the per-process curriculum cache must not leak."""
    monkeypatch.setattr(selectors, "_curriculum_cache", None)


@pytest.fixture
def queued(monkeypatch):
    """Record what would go to the broker instead of publishing it."""
    calls: list[tuple[str, list]] = []

    def recorder(name):
        def apply_async(args=None, kwargs=None, **options):
            calls.append((name, list(args or []), options))

        return apply_async

    monkeypatch.setattr(tasks.reminder_send_batch_task, "apply_async", recorder("batch"))
    monkeypatch.setattr(tasks.reminder_send_task, "apply_async", recorder("one"))
    return calls


@pytest.fixture
def make_preference():
    def make(
        *, zone: str = "UTC", now: datetime.datetime, email: str | None = None, **fields
    ) -> ReminderPreference:
        user_fields = {"timezone": zone}
        if email:
            user_fields.update(email=email)
        user = UserFactory(**user_fields)
        preference = ReminderPreferenceFactory.build(user=user, **fields)
        reminder_schedule_refresh(preference=preference, zone_name=zone, now=now)
        preference.save()
        return preference

    return make
