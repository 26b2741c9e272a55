import factory

from apps.accounts.models import User
from apps.sources.models import Source


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"source-learner{n}@example.com")
    timezone = "UTC"


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    name = factory.Sequence(lambda n: f"team{n}")
    url = ""
    branch = "main"
    webhook_secret = "s3cret-for-tests"
    poll_interval = 300
