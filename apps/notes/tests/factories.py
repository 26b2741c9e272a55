import factory

from apps.accounts.tests.factories import UserFactory
from apps.guides.tests.factories import GuideFactory
from apps.notes.models import Note


class NoteFactory(factory.django.DjangoModelFactory):
    """A note as stored; tests about rendering and sanitising go through note_create."""

    class Meta:
        model = Note

    user = factory.SubFactory(UserFactory)
    guide = factory.SubFactory(GuideFactory)
    body_markdown = factory.Sequence(lambda n: f"Note {n}")
    body_html = factory.LazyAttribute(lambda note: f"<p>{note.body_markdown}</p>")
