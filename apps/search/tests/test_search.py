"""Search as a learner meets it: one ranked list, typo correction, partial matches, honest
empty results, notes for their owner only, and bad input answered quickly."""

import time

import pytest
from django.db import connection
from django.test import Client

from apps.accounts.models import User
from apps.accounts.tests.factories import UserFactory
from apps.guides.models import Guide
from apps.guides.services import guides_import
from apps.notes.services import note_create
from apps.search.models import ENTRY_VECTOR_INDEX, SearchEntry, SearchWord
from apps.search.selectors import edit_distance, query_words, search

pytestmark = pytest.mark.django_db

QUEUES = """# Queues

## Executive Summary

A [Broker](#glossary) sits between services. Idempotent consumers survive redelivery.

## Delivery semantics

At-least-once delivery needs idempotent consumers.

### Deduplication tables

A table of processed message ids makes redelivery harmless.

```python
def handle(message):  # flowchart of nothing
    pass
```

- [ ] Build an idempotent consumer

## Glossary

| Term | Description | Use this when | Like |
|---|---|---|---|
| Broker | Routes messages between services | Decoupling | A post office |
"""

STREAMS = """# Streams

## Logs

Append-only logs carry `<img src=x onerror=alert(1)>` payloads.

```mermaid
flowchart TB
  producer --> partition
```

## Terraform state

Terraform keeps a state file per workspace.

## Café ordering

A café queue serves in order.
"""


@pytest.fixture
def library_files():
    return {
        "phase1-basics/INDEX.md": "# Phase 1: Basics\n\nStart here.\n",
        "phase1-basics/queues.md": QUEUES,
        "phase1-basics/streams.md": STREAMS,
        "phase2-more/caching.md": "# Caching\n\n## Executive Summary\n\nCache aside.\n",
    }


@pytest.fixture
def alice() -> User:
    return UserFactory(email="alice@example.com")


def get(client: Client, query: str, **params: str) -> str:
    response = client.get("/search/", {"q": query, **params})
    assert response.status_code == 200
    return response.content.decode()


def test_one_ranked_list_with_badges_anchors_and_highlights(client, library):
    html = get(client, "idempotent consumer")
    assert "<mark>idempotent</mark>" in html.lower()
    assert 'href="/guides/queues/#delivery-semantics"' in html
    assert 'class="badge badge--section">Section' in html
    term = get(client, "post office")
    assert 'href="/guides/queues/#term-broker"' in term
    assert 'class="badge badge--term">Glossary' in term


def test_h3_sections_are_found_with_their_anchor(client, library):
    html = get(client, "deduplication")
    assert 'href="/guides/queues/#deduplication-tables"' in html
    assert "in Queues \u203a Delivery semantics" in html


def test_snippets_are_escaped_readable_text(client, library):
    html = get(client, "payloads")
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt; <mark>payloads</mark>" in html
    code = get(client, "flowchart")  # only in code and diagram source
    assert "Nothing in the library matches" in code


def test_title_outranks_body_text(client, library):
    page = search(query="terraform state")
    assert page.hits[0].title == "Terraform state"


def test_a_misspelled_word_is_corrected_and_the_original_offered(client, library):
    html = get(client, "idempotnt consumers")
    assert "Showing results for <strong>idempotent consumers</strong>" in html
    assert "exact=1" in html and 'href="/guides/queues/#delivery-semantics"' in html
    exact = get(client, "idempotnt consumers", exact="1")
    assert "Showing results for" not in exact
    assert "Nothing in the library matches" in exact


def test_transposed_letters_and_run_together_words(library):
    assert search(query="brokre").searched == "broker"
    page = search(query="terraform statefile")
    assert page.corrected and page.searched == "terraform state file"
    assert page.hits[0].url == "/guides/streams/#terraform-state"


def test_unrelated_words_are_not_turned_into_matches(library):
    page = search(query="quantum entanglement")
    assert page.hits == [] and not page.corrected
    assert list(page.unknown) == ["quantum", "entanglement"]
    assert search(query="quantum consumers").hits == []  # one known word is not an answer


def test_partial_matches_are_shown_below_and_labelled(client, library):
    full = search(query="idempotent consumers")
    assert not full.partial
    page = search(query="idempotent consumers append")  # no unit has all three
    assert page.partial and page.hits
    assert page.hits[0].matched == 2
    html = get(client, "idempotent consumers append")
    assert "badge--partial" in html and "most of them" in html


def test_a_word_being_typed_matches_as_a_prefix(library):
    page = search(query="dedupl")
    assert page.hits and not page.corrected
    assert page.hits[0].url == "/guides/queues/#deduplication-tables"


def test_type_filter_keeps_the_counts_of_every_kind(client, library):
    html = get(client, "broker", type="term")
    assert 'aria-current="true">Glossary' in html
    assert "type=section" in html
    assert "badge--section" not in html.split('class="results"')[1]


def test_notes_are_found_only_by_their_owner(client, library, alice):
    queues = Guide.objects.get(slug="queues")
    note_create(user=alice, guide=queues, body_markdown="Zebrafish **retries** are idempotent")
    bob = UserFactory(email="bob@example.com")
    assert "badge--note" not in get(client, "zebrafish")
    client.force_login(bob)
    assert "badge--note" not in get(client, "zebrafish")
    client.force_login(alice)
    html = get(client, "zebrafish retries")
    assert 'class="badge badge--note">Your note' in html
    assert "**" not in html and "<mark>Zebrafish</mark>" in html
    assert "badge--note" in get(client, "zebrafish", type="note")


def test_unpublished_and_archived_guides_are_not_searched(library):
    Guide.objects.filter(slug="streams").update(is_published=False)
    assert search(query="terraform").hits == []
    assert search(query="terrafrom").searched == ""  # its words are not suggested either
    Guide.objects.filter(slug="streams").update(is_published=True, is_archived=True)
    assert search(query="terraform").hits == []


def test_reimport_replaces_a_guides_entries(library):
    (library / "phase2-more" / "caching.md").write_text(
        "# Caching\n\n## Write-behind\n\nFlushes asynchronously.\n", encoding="utf-8"
    )
    guides_import(path=library)
    caching = Guide.objects.get(slug="caching")
    titles = set(SearchEntry.objects.filter(guide=caching).values_list("title", flat=True))
    assert titles == {"Caching", "Write-behind"}
    assert SearchWord.objects.filter(guide=caching, word="asynchronously").exists()
    assert not SearchWord.objects.filter(guide=caching, word="aside").exists()


@pytest.mark.parametrize(
    "query",
    [
        "\x00",
        "broker\x00idempotent",
        "a" * 10_000,
        "broker " * 2_000,
        '"& | ! ( :* <->',
        "-- ; DROP TABLE x",
        "'''",
        "\\",
        "::*",
        "'broker':*",
    ],
)
def test_bad_input_answers_quickly_and_never_fails(client, library, query):
    # A NUL is refused for every URL before any view runs (core.middleware.RejectNulMiddleware).
    expected = 400 if "\x00" in query else 200
    started = time.perf_counter()
    response = client.get("/search/", {"q": query})
    assert response.status_code == expected
    assert time.perf_counter() - started < 2
    instant = client.get("/search/", {"q": query, "instant": "1"}, headers={"HX-Request": "true"})
    assert instant.status_code == expected


def test_operators_only_get_a_clear_message(client, library):
    assert "punctuation and operators alone match nothing" in get(client, '"& | ! (')
    assert client.get("/search/").status_code == 200


def test_query_words_are_bounded():
    assert query_words("a" * 10_000) == ["a" * 60]
    assert len(query_words("word " * 1000)) == 8
    assert query_words("Kafka vs. RabbitMQ") == ["kafka", "rabbitmq"]


def test_edit_distance_counts_a_transposition_once():
    assert edit_distance("kafak", "kafka", 2) == 1
    assert edit_distance("iceburg", "iceberg", 2) == 1
    assert edit_distance("kafka", "pulsar", 2) == 3


def test_htmx_returns_the_results_partial(client, library):
    response = client.get("/search/", {"q": "cache"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="search-results"')
    assert "<html" not in html and 'href="/guides/caching/"' in html


def test_instant_results_are_a_small_listbox_with_a_live_count(
    client, library, django_assert_num_queries
):
    with django_assert_num_queries(3):  # the words, their corrections, the ranked entries
        response = client.get(
            "/search/", {"q": "idempotnt", "instant": "1"}, headers={"HX-Request": "true"}
        )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="site-search-results"')
    assert 'role="listbox"' in html and 'role="option"' in html
    assert 'id="site-search-status"' in html and 'hx-swap-oob="true"' in html
    assert "Results for <strong>idempotent</strong>" in html
    assert html.count('role="option"') <= 6


def test_signed_in_search_runs_a_fixed_number_of_queries(
    client, library, alice, django_assert_num_queries
):
    client.force_login(alice)
    client.get("/search/", {"q": "broker"})
    # session, user, words, entries, notes; no correction round when every word is known
    with django_assert_num_queries(5):
        client.get("/search/", {"q": "broker idempotent"})


def test_partial_matches_fill_the_page_below_the_full_ones(client, library):
    # The summary has all three words; "Delivery semantics" has two of them.
    page = search(query="idempotent consumers redelivery")
    assert page.hits and not page.partial
    assert not page.hits[0].partial and page.hits[0].url.startswith("/guides/queues/")
    assert "\u27e6redelivery\u27e7" in page.hits[0].snippet  # stem "redeliveri"
    below = [hit for hit in page.hits if hit.partial]
    assert "/guides/queues/#delivery-semantics" in [hit.url for hit in below]
    flags = [hit.partial for hit in page.hits]
    assert flags == sorted(flags)  # every full match above every partial one
    html = get(client, "idempotent consumers redelivery")
    assert "Results with most of the words" in html
    assert html.index("Results with most of the words") < html.index("badge--partial")


def test_accents_do_not_matter(library):
    for query in ("cafe", "café", "CAFÉ queue"):
        page = search(query=query)
        assert page.hits and page.hits[0].url == "/guides/streams/#cafe-ordering", query
        assert "\u27e6café\u27e7" in page.hits[0].snippet.casefold()


def test_an_import_leaves_no_entries_waiting_outside_the_index(library):
    # The import moves its rows from the GIN pending list into the index in one pass at its end.
    with connection.cursor() as cursor:
        cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [ENTRY_VECTOR_INDEX])
        assert cursor.fetchone()[0] == 0
