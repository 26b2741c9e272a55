import datetime

import factory

from apps.accounts.models import User
from apps.reminders.models import ReminderPreference


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"learner{n}@example.com")
    timezone = "UTC"


class ReminderPreferenceFactory(factory.django.DjangoModelFactory):
    """An enabled preference, due at `next_due_at` unless given; call schedule() to compute."""

    class Meta:
        model = ReminderPreference

    user = factory.SubFactory(UserFactory)
    enabled = True
    local_time = datetime.time(18, 0)
    skip_if_studied_today = False
