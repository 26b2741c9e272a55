import factory
from django.utils import timezone

from apps.accounts.tests.factories import UserFactory
from apps.flashcards.models import Card, CardState, ReviewSettings
from apps.guides.tests.factories import GlossaryTermFactory


class CardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Card

    term = factory.SubFactory(GlossaryTermFactory)
    guide = factory.SelfAttribute("term.guide")
    kind = Card.Kind.FORWARD
    front_html = factory.LazyAttribute(lambda card: f"<p>{card.term.term}</p>")
    back_html = factory.LazyAttribute(lambda card: f"<p>{card.term.description}</p>")


class CardStateFactory(factory.django.DjangoModelFactory):
    """A card in a learner's deck, new and due now."""

    class Meta:
        model = CardState

    user = factory.SubFactory(UserFactory)
    card = factory.SubFactory(CardFactory)
    guide = factory.SelfAttribute("card.guide")
    due = factory.LazyFunction(timezone.now)


class ReviewSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewSettings

    user = factory.SubFactory(UserFactory)
