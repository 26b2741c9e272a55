"""The anonymous page cache: what it serves, to whom, and how content changes reach it."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.models import User
from apps.core.models import ContentGeneration
from apps.core.pagecache import page_cache_clear
from apps.guides.models import Guide
from apps.guides.services import guides_import

# Transactions must commit: the generation moves in a trigger that runs at commit.
pytestmark = pytest.mark.django_db(transaction=True)

GUIDE = "# Queues\n\n## Delivery\n\nAt-least-once delivery needs idempotent consumers.\n"


def _generation() -> int:
    return ContentGeneration.objects.filter(pk=1).values_list("value", flat=True).first() or 0


@pytest.fixture
def cached(settings):
    settings.PAGE_CACHE_ENABLED = True
    settings.PAGE_CACHE_CHECK_SECONDS = 0
    page_cache_clear()
    yield settings
    page_cache_clear()


@pytest.fixture
def library_files():
    return {"queues.md": GUIDE, "streams.md": "# Streams\n\n## Logs\n\nAppend.\n"}


def test_second_anonymous_request_is_served_from_memory_with_the_same_bytes_and_headers(
    client, cached, library
):
    url = reverse("guides:guide", args=["queues"])
    first = client.get(url)
    assert first.status_code == 200
    assert "X-Page-Cache" not in first.headers
    cached.PAGE_CACHE_CHECK_SECONDS = 60  # within the interval a hit reads nothing
    with CaptureQueriesContext(connection) as queries:
        second = client.get(url)
    assert len(queries) == 0
    assert second.headers["X-Page-Cache"] == "hit"
    assert second.content == first.content
    for header in ("Content-Security-Policy", "X-Frame-Options", "Content-Type"):
        assert second.headers[header] == first.headers[header]
    # Security headers from the middleware outside the cache are added on every hit too.
    assert second.headers["X-Content-Type-Options"] == "nosniff"


def test_anonymous_pages_carry_no_csrf_token_and_set_no_cookie(client, cached, library):
    response = client.get(reverse("guides:home"))
    assert not response.cookies
    assert b"X-CSRFToken" not in response.content


def test_a_committed_bulk_update_reaches_the_next_request(client, cached, library):
    url = reverse("guides:guide", args=["queues"])
    client.get(url)
    before = _generation()
    # A bulk update sends no Django signal: the trigger still counts it.
    Guide.objects.filter(slug="queues").update(body_html="<p>Rewritten by a bulk update</p>")
    assert _generation() == before + 1
    response = client.get(url)
    assert "X-Page-Cache" not in response.headers
    assert b"Rewritten by a bulk update" in response.content


def test_one_transaction_moves_the_generation_once(cached, library, guide_repo):
    before = _generation()
    root = guide_repo({"queues.md": GUIDE + "\n## More\n\nText.\n", "new.md": "# New\n\nText.\n"})
    guides_import(path=root)
    # The import writes many rows in several transactions (the run row, then the guides).
    assert 1 <= _generation() - before <= 3


def test_unpublishing_a_guide_removes_it_from_anonymous_readers(client, cached, library):
    url = reverse("guides:guide", args=["queues"])
    assert client.get(url).status_code == 200
    Guide.objects.filter(slug="queues").update(is_published=False)
    assert client.get(url).status_code == 404


def test_signed_in_readers_never_get_the_anonymous_copy(client, cached, library):
    url = reverse("guides:home")
    client.get(url)
    assert client.get(url).headers.get("X-Page-Cache") == "hit"
    user = User(email="reader@example.com")
    user.set_password("pw-123456789")
    user.save()
    client.force_login(user)
    response = client.get(url)
    assert "X-Page-Cache" not in response.headers
    assert b"Sign out" in response.content
    # And what they were shown is not stored for the next anonymous visitor.
    client.logout()
    client.cookies.clear()
    anonymous = client.get(url)
    assert b"Sign out" not in anonymous.content


def test_htmx_requests_and_other_cookies_bypass_the_cache(client, cached, library):
    url = reverse("guides:home")
    client.get(url)
    assert client.get(url, headers={"HX-Request": "true"}).headers.get("X-Page-Cache") is None
    client.cookies["messages"] = "something"
    assert client.get(url).headers.get("X-Page-Cache") is None


def test_only_views_that_opted_in_are_cached(client, cached, library):
    url = reverse("search:search") + "?q=queues"
    client.get(url)
    assert "X-Page-Cache" not in client.get(url).headers


def test_the_store_is_bounded(client, cached, library):
    cached.PAGE_CACHE_MAX_ENTRIES = 2
    home = reverse("guides:home")
    client.get(home)
    for slug in ("queues", "streams"):
        client.get(reverse("guides:guide", args=[slug]))
    # The oldest entry was evicted to stay within two.
    assert "X-Page-Cache" not in client.get(home).headers
    assert client.get(home).headers.get("X-Page-Cache") == "hit"


def test_not_found_is_not_cached(client, cached, library):
    url = reverse("guides:guide", args=["nope"])
    assert client.get(url).status_code == 404
    assert "X-Page-Cache" not in client.get(url).headers


def test_an_unknown_host_is_refused_even_when_the_page_is_cached(client, cached, library):
    url = reverse("guides:home")
    client.get(url)
    assert client.get(url).headers.get("X-Page-Cache") == "hit"
    assert client.get(url, headers={"Host": "evil.example.com"}).status_code == 400


def test_a_change_undone_by_a_savepoint_still_lets_a_later_change_count(library):
    # Only a transaction's first changed row queues the bump: when that row's savepoint rolls
    # back, the next change queues it again, and a transaction left with no change bumps nothing.
    before = _generation()
    with transaction.atomic(), transaction.atomic():
        Guide.objects.filter(slug="queues").update(title="Undone")
        transaction.set_rollback(True)
    assert _generation() == before
    with transaction.atomic():
        with transaction.atomic():
            Guide.objects.filter(slug="queues").update(title="Undone")
            transaction.set_rollback(True)
        Guide.objects.filter(slug="queues").update(title="Kept")
        Guide.objects.filter(slug="queues").update(title="Kept again")
    assert _generation() == before + 1
