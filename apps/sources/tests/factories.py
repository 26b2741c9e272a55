import factory

from apps.accounts.tests.factories import UserFactory
from apps.sources.models import Source

__all__ = ["SourceFactory", "UserFactory"]


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    name = factory.Sequence(lambda n: f"team{n}")
    url = factory.LazyAttribute(lambda source: f"https://git.example.com/{source.name}.git")
    branch = "main"
    webhook_secret = "s3cret-for-tests"
    poll_interval = 300
