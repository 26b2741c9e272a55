from django.test import Client

from apps.accounts.models import User
from apps.accounts.tests.factories import PASSWORD, UserFactory

__all__ = ["PASSWORD", "make_user", "sign_in"]


def make_user(email: str, **extra) -> User:
    """A user with a verified address, who can sign in with PASSWORD."""
    return UserFactory(email=email, verified=True, **extra)


def sign_in(client: Client, email: str, password: str = PASSWORD, **extra):
    """Through allauth's form, as a person does (so re-authentication timestamps are real)."""
    return client.post("/accounts/login/", {"login": email, "password": password, **extra})
