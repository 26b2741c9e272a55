"""The card browser: search, filter, suspend, reset, history; scoped to the learner."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.tests.factories import UserFactory
from apps.flashcards import selectors, services, views
from apps.flashcards.models import CardState, ReviewLog
from apps.guides.models import Guide
from apps.guides.services import guides_import

pytestmark = pytest.mark.django_db

QUEUES = """# Queues

## Glossary

| Term | Description | Use this when |
|---|---|---|
| Producer | Sends messages | Emitting events |
| Consumer | Reads messages | Processing work |
| Broker | Stores and routes messages | |
"""

CACHES = """# Caches

## Glossary

| Term | Description |
|---|---|
| Cache | A fast copy of slow data |
"""

HTMX = {"HX-Request": "true"}


@pytest.fixture
def library_files():
    return {"phase1-basics/queues.md": QUEUES, "phase1-basics/caches.md": CACHES}


@pytest.fixture
def learner(client, library):
    user = UserFactory(email="ada@example.com")
    for guide in Guide.objects.all():
        services.deck_add_cards(user=user, guide=guide)
    client.force_login(user)
    return user


def state_of(user, term, kind="forward") -> CardState:
    return CardState.objects.get(user=user, card__term__term=term, card__kind=kind)


def everything():
    return selectors.Deck(key="all", title="Everything")


def test_lists_every_card_and_filters_by_search_deck_and_state(client, learner):
    response = client.get(reverse("flashcards:cards"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "6 cards" in body  # 3 forward + 2 "use this when" + 1 forward for Cache
    for term in ("Producer", "Consumer", "Broker", "Cache"):
        assert term in body

    body = client.get(reverse("flashcards:cards"), {"q": "routes"}).content.decode()
    assert "1 card" in body and "Broker" in body and "Producer" not in body

    body = client.get(reverse("flashcards:cards"), {"deck": "guide:caches"}).content.decode()
    assert "1 card" in body and "Cache" in body and "Broker" not in body

    services.card_suspend_set(
        user=learner, card_state_id=state_of(learner, "Broker").pk, suspended=True
    )
    body = client.get(reverse("flashcards:cards"), {"state": "suspended"}).content.decode()
    assert "1 card" in body and "Broker" in body and "Producer" not in body
    body = client.get(reverse("flashcards:cards"), {"state": "active"}).content.decode()
    assert "5 cards" in body


def test_an_unknown_deck_is_a_404_and_an_unknown_state_shows_everything(client, learner):
    assert client.get(reverse("flashcards:cards"), {"deck": "guide:nope"}).status_code == 404
    body = client.get(reverse("flashcards:cards"), {"state": "bogus"}).content.decode()
    assert "6 cards" in body


def test_the_search_as_you_type_answer_is_the_results_partial(client, learner):
    response = client.get(
        reverse("flashcards:cards"), {"q": "cache"}, headers={**HTMX, "HX-Target": "card-results"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and 'id="card-results"' in body and "Cache" in body


def test_pages_of_cards(client, learner, monkeypatch):
    monkeypatch.setattr(views, "CARDS_PER_PAGE", 4)
    first = client.get(reverse("flashcards:cards")).content.decode()
    assert "page 1 of 2" in first and "page=2" in first
    second = client.get(reverse("flashcards:cards"), {"page": "2"}).content.decode()
    assert "page 2 of 2" in second and "page=1" in second
    assert second.count('<li class="card-row') == 2
    # A page past the end shows the last one rather than failing.
    assert client.get(reverse("flashcards:cards"), {"page": "99"}).status_code == 200


def test_the_browser_runs_a_constant_number_of_queries(
    client, learner, django_assert_num_queries, guide_repo
):
    def run():
        # the session, the user, the guides of the deck filter, the count, one page
        with django_assert_num_queries(5):
            assert client.get(reverse("flashcards:cards")).status_code == 200

    run()
    many = "# Many\n\n## Glossary\n\n| Term | Description | Use this when |\n|---|---|---|\n"
    many += "".join(f"| Term {n} | Meaning {n} | Case {n} |\n" for n in range(40))
    guides_import(
        path=guide_repo({"phase1-basics/queues.md": QUEUES, "phase1-basics/many.md": many})
    )
    services.deck_add_cards(user=learner, guide=Guide.objects.get(slug="many"))
    assert CardState.objects.filter(user=learner).count() > 80
    run()
    # the session, the user, the deck, the guides, the count, one page
    with django_assert_num_queries(6):
        client.get(reverse("flashcards:cards"), {"deck": "guide:many", "q": "term"})


def test_suspended_cards_leave_the_queue_and_come_back(client, learner):
    now = timezone.now()
    before = selectors.review_counts(user=learner, deck=everything(), now=now)
    broker = state_of(learner, "Broker")
    response = client.post(reverse("flashcards:card-suspend", args=[broker.pk]), {"suspended": "1"})
    assert response.status_code == 302
    broker.refresh_from_db()
    assert broker.is_suspended

    after = selectors.review_counts(user=learner, deck=everything(), now=now)
    assert after.new == before.new - 1
    seen = set()
    while (card := selectors.review_next(user=learner, deck=everything(), now=now)) is not None:
        seen.add(card.pk)
        services.review_answer(
            user=learner, card_state_id=card.pk, rating=4, expected_reps=card.reps, now=now
        )
        if len(seen) > 10:
            break
    assert broker.pk not in seen
    # Nor can a suspended card be answered (an old tab, a queued offline answer).
    with pytest.raises(CardState.DoesNotExist):
        services.review_answer(user=learner, card_state_id=broker.pk, rating=3, expected_reps=0)
    overview = selectors.deck_overview(user=learner, now=now)
    assert overview.everything.in_deck == 6  # still in the deck

    client.post(reverse("flashcards:card-suspend", args=[broker.pk]), {"suspended": "0"})
    tomorrow = now + timezone.timedelta(days=1)
    assert selectors.review_counts(user=learner, deck=everything(), now=tomorrow).new == 3
    shown = []
    while (card := selectors.review_next(user=learner, deck=everything(), now=tomorrow)) and (
        len(shown) < 10
    ):
        shown.append(card.pk)
        services.review_answer(
            user=learner, card_state_id=card.pk, rating=4, expected_reps=card.reps, now=tomorrow
        )
    assert broker.pk in shown


def test_suspending_with_htmx_returns_the_row_and_announces_it(client, learner):
    broker = state_of(learner, "Broker")
    response = client.post(
        reverse("flashcards:card-suspend", args=[broker.pk]), {"suspended": "1"}, headers=HTMX
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and f'id="cardstate-{broker.pk}"' in body
    assert "Unsuspend" in body and 'data-announce="Suspended Broker."' in body


def test_reset_makes_a_card_new_again_and_keeps_its_history(client, learner):
    now = timezone.now()
    producer = state_of(learner, "Producer")
    services.review_answer(
        user=learner, card_state_id=producer.pk, rating=3, expected_reps=0, now=now
    )
    producer.refresh_from_db()
    services.review_answer(
        user=learner, card_state_id=producer.pk, rating=4, expected_reps=1, now=now
    )
    producer.refresh_from_db()
    assert producer.state == CardState.State.REVIEW

    response = client.post(reverse("flashcards:card-reset", args=[producer.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("flashcards:card", args=[producer.pk])
    producer.refresh_from_db()
    assert producer.state == CardState.State.NEW
    assert producer.stability is None and producer.last_review is None
    assert ReviewLog.objects.filter(card_state=producer).count() == 2

    body = client.get(reverse("flashcards:card", args=[producer.pk])).content.decode()
    assert "Review history" in body and "Good" in body and "Easy" in body
    # Answered again from scratch, the log numbering carries on (no clash with old answers).
    answer = services.review_answer(
        user=learner, card_state_id=producer.pk, rating=3, expected_reps=2, now=now
    )
    assert answer.applied and ReviewLog.objects.filter(card_state=producer).count() == 3


def test_the_card_page_runs_a_constant_number_of_queries(
    client, learner, django_assert_num_queries
):
    producer = state_of(learner, "Producer")
    for reps in range(5):
        services.review_answer(
            user=learner, card_state_id=producer.pk, rating=3, expected_reps=reps
        )
    with django_assert_num_queries(4):  # the session, the user, the card, its history
        assert client.get(reverse("flashcards:card", args=[producer.pk])).status_code == 200


def test_another_learners_card_is_a_404_everywhere(client, learner):
    other = UserFactory(email="eve@example.com")
    services.deck_add_cards(user=other, guide=Guide.objects.get(slug="queues"))
    theirs = state_of(other, "Producer")
    assert client.get(reverse("flashcards:card", args=[theirs.pk])).status_code == 404
    assert (
        client.post(
            reverse("flashcards:card-suspend", args=[theirs.pk]), {"suspended": "1"}
        ).status_code
        == 404
    )
    assert client.post(reverse("flashcards:card-reset", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert not theirs.is_suspended
    body = client.get(reverse("flashcards:cards"), {"q": "Producer"}).content.decode()
    assert f"cardstate-{theirs.pk}" not in body


def test_cards_of_a_hidden_guide_are_out_of_the_browser(client, learner):
    Guide.objects.filter(slug="caches").update(is_published=False)
    cache = state_of(learner, "Cache")
    assert "Cache" not in client.get(reverse("flashcards:cards")).content.decode()
    assert client.get(reverse("flashcards:card", args=[cache.pk])).status_code == 404
    assert client.post(reverse("flashcards:card-reset", args=[cache.pk])).status_code == 404


def test_state_changes_need_post_csrf_and_a_signed_in_learner(learner):
    producer = state_of(learner, "Producer")
    url = reverse("flashcards:card-suspend", args=[producer.pk])
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(learner)
    assert strict.post(url, {"suspended": "1"}).status_code == 403
    assert strict.get(url).status_code == 405
    anonymous = Client()
    assert anonymous.post(url, {"suspended": "1"}).status_code == 302
    assert anonymous.get(reverse("flashcards:cards")).status_code == 302
    producer.refresh_from_db()
    assert not producer.is_suspended


def test_next_after_a_change_stays_on_this_site(client, learner):
    producer = state_of(learner, "Producer")
    response = client.post(
        reverse("flashcards:card-suspend", args=[producer.pk]),
        {"suspended": "1", "next": "//evil.example/"},
    )
    assert response["Location"] == reverse("flashcards:card", args=[producer.pk])
    response = client.post(
        reverse("flashcards:card-suspend", args=[producer.pk]),
        {"suspended": "0", "next": "/flashcards/cards/?q=pro"},
    )
    assert response["Location"] == "/flashcards/cards/?q=pro"


def test_decks_and_statistics_link_to_the_browser(client, learner):
    url = reverse("flashcards:cards")
    assert url in client.get(reverse("flashcards:decks")).content.decode()
    assert url in client.get(reverse("flashcards:statistics")).content.decode()
