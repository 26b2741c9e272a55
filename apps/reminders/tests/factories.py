import datetime

import factory

from apps.accounts.tests.factories import UserFactory
from apps.reminders.models import ReminderPreference

__all__ = ["ReminderPreferenceFactory", "UserFactory"]


class ReminderPreferenceFactory(factory.django.DjangoModelFactory):
    """An enabled preference, due at `next_due_at` unless given; call schedule() to compute."""

    class Meta:
        model = ReminderPreference

    user = factory.SubFactory(UserFactory)
    enabled = True
    local_time = datetime.time(18, 0)
    skip_if_studied_today = False
