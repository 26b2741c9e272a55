import pytest

from apps.accounts.models import User
from apps.accounts.tests.factories import UserFactory
from apps.guides.models import Guide

QUEUES = """# Queues

## Delivery semantics

At-least-once delivery needs idempotent consumers.

- [ ] Build an idempotent consumer

## Ordering

Partitions keep order per key.

- [ ] Measure reordering
"""


@pytest.fixture
def library_files():
    return {
        "queues.md": QUEUES,
        "streams.md": "# Streams\n\n## Logs\n\nAppend-only.\n\n- [ ] Tail a log\n",
    }


@pytest.fixture
def guides(library) -> dict[str, Guide]:
    return {guide.slug: guide for guide in Guide.objects.all()}


@pytest.fixture
def queues(guides) -> Guide:
    return guides["queues"]


@pytest.fixture
def alice(client) -> User:
    user = UserFactory(email="alice@example.com")
    client.force_login(user)
    return user


@pytest.fixture
def bob() -> User:
    return UserFactory(email="bob@example.com")
