import factory
from allauth.account.models import EmailAddress

from apps.accounts.models import User

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    """A learner who can sign in with PASSWORD; `verified=True` adds allauth's verified primary
    address, which signing in through the login form requires."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"learner{n}@example.com")
    timezone = "UTC"

    class Params:
        verified = factory.Trait(
            email_address=factory.RelatedFactory(
                "apps.accounts.tests.factories.EmailAddressFactory", factory_related_name="user"
            )
        )

    @factory.post_generation
    def password(self, create: bool, extracted: str | None, **kwargs) -> None:
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])


class EmailAddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmailAddress

    user = factory.SubFactory(UserFactory)
    email = factory.SelfAttribute("user.email")
    verified = True
    primary = True
