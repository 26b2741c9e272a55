"""Reading pages as a learner meets them: content, 404s, htmx partials, query counts."""

import pytest
from django.urls import reverse

from apps.guides.models import Guide
from apps.guides.tests.factories import GuideFactory, SectionFactory, TrackFactory

pytestmark = pytest.mark.django_db

GUIDE = """# Queues

## Executive Summary

A [Broker](#glossary) sits between services. Idempotent consumers survive redelivery.

## Delivery semantics

At-least-once delivery needs idempotent consumers.

- [ ] Build an idempotent consumer

## Glossary

| Term | Description | Use this when | Like |
|---|---|---|---|
| Broker | Routes messages between services | Decoupling | A post office |
"""


@pytest.fixture
def library_files():
    return {
        "phase1-basics/INDEX.md": "# Phase 1: Basics\n\nStart here.\n",
        "phase1-basics/queues.md": GUIDE,
        "phase1-basics/streams.md": (
            "# Streams\n\n## Logs\n\nAppend-only logs carry `<img src=x onerror=alert(1)>` "
            "payloads.\n"
        ),
        "phase2-more/caching.md": "# Caching\n\n## Executive Summary\n\nCache aside.\n",
    }


def test_home_lists_tracks_and_guides(client, library, django_assert_num_queries):
    with django_assert_num_queries(2):
        response = client.get(reverse("guides:home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Phase 1: Basics" in html and "Start here." in html
    assert html.index("Queues") < html.index("Streams") < html.index("Caching")


def test_guide_page_serves_stored_html(client, library, django_assert_num_queries):
    with django_assert_num_queries(2):
        response = client.get("/guides/queues/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<h1 id="guide-title">Queues</h1>' in html
    assert '<a href="#term-broker"' in html
    assert 'id="term-broker"' in html
    assert 'href="/guides/streams/" rel="next"' in html
    assert "min read" in html
    assert "diagrams.js" not in html and "mermaid" not in html  # only where there are diagrams


def test_query_count_does_not_grow_with_the_library(client, django_assert_num_queries):
    track = TrackFactory()
    for n in range(30):
        SectionFactory(guide=GuideFactory(track=track, slug=f"g{n}"))
    with django_assert_num_queries(2):
        assert client.get("/guides/g5/").status_code == 200
    with django_assert_num_queries(2):
        client.get("/")


def test_unknown_unpublished_and_archived_guides_are_404(client, library, admin_client):
    assert client.get("/guides/nope/").status_code == 404
    Guide.objects.filter(slug="streams").update(is_published=False)
    assert client.get("/guides/streams/").status_code == 404
    assert admin_client.get("/guides/streams/").status_code == 200  # staff preview
    Guide.objects.filter(slug="caching").update(is_archived=True)
    assert client.get("/guides/caching/").status_code == 404
    assert "Caching" not in client.get("/").content.decode()
