"""Every app's factories make rows the models accept: two of each (sequences keep unique fields
apart), each passing the model's own validation."""

import pytest

from apps.accounts.tests.factories import EmailAddressFactory, UserFactory
from apps.core.tests.factories import AuditEventFactory
from apps.flashcards.tests.factories import CardFactory, CardStateFactory, ReviewSettingsFactory
from apps.guides.tests.factories import (
    GlossaryTermFactory,
    GuideFactory,
    SectionFactory,
    TaskItemFactory,
    TrackFactory,
)
from apps.notes.tests.factories import NoteFactory
from apps.progress.tests.factories import (
    ActivityDayFactory,
    SectionReadFactory,
    TaskProgressFactory,
)
from apps.reminders.tests.factories import ReminderPreferenceFactory
from apps.sources.tests.factories import SourceFactory

pytestmark = pytest.mark.django_db

FACTORIES = [
    UserFactory, EmailAddressFactory, AuditEventFactory, TrackFactory, GuideFactory,
    SectionFactory, GlossaryTermFactory, TaskItemFactory, CardFactory, CardStateFactory,
    ReviewSettingsFactory, NoteFactory, TaskProgressFactory, SectionReadFactory,
    ActivityDayFactory, ReminderPreferenceFactory, SourceFactory,
]  # fmt: skip


@pytest.mark.parametrize("factory", FACTORIES, ids=lambda factory: factory.__name__)
def test_factories_make_valid_distinct_rows(factory) -> None:
    first, second = factory(), factory()
    assert first.pk != second.pk
    for row in (first, second):
        row.full_clean()
    assert factory._meta.model.objects.filter(pk__in=[first.pk, second.pk]).count() == 2


def test_a_factory_user_signs_in_with_the_password(client) -> None:
    user = UserFactory(verified=True)
    response = client.post(
        "/accounts/login/", {"login": user.email, "password": "correct horse battery staple"}
    )
    assert response.status_code == 302
    assert client.get("/profile/").status_code == 200
