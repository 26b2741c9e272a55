import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from apps.accounts.models import User
from apps.guides.services import guides_import

PASSWORD = "correct horse battery staple"

GUIDE = """# Queues

## Delivery

At-least-once delivery needs idempotent consumers.

- [ ] Build an idempotent consumer

## Ordering

Partitions keep order per key.

- [ ] Measure reordering

## Glossary

| Term | Description | Use this when |
|---|---|---|
| Partition | An ordered slice of a topic | Scaling consumers |
"""


def make_user(email: str, **extra) -> User:
    user = User.objects.create_user(email=email, password=PASSWORD, **extra)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def sign_in(client: Client, email: str, password: str = PASSWORD, **extra):
    """Through allauth's form, as a person does (so re-authentication timestamps are real)."""
    return client.post("/accounts/login/", {"login": email, "password": password, **extra})


@pytest.fixture
def library(guide_repo):
    guides_import(path=guide_repo({"queues.md": GUIDE}))
