"""The statistics page: reviews per day, true retention per month, 30-day forecast."""

import datetime

import pytest
from django.utils import timezone

from apps.accounts.tests.factories import UserFactory
from apps.flashcards.models import Card, CardState, ReviewLog
from apps.flashcards.services import deck_add_cards
from apps.flashcards.statistics import review_statistics
from apps.guides.models import Guide
from apps.guides.services import guides_import

pytestmark = pytest.mark.django_db

GUIDE = """# Queues

## Glossary

| Term | Description |
|---|---|
| Producer | Sends messages |
| Consumer | Reads messages |
| Broker | Stores and routes messages |
"""


@pytest.fixture
def learner(guide_repo):
    guides_import(path=guide_repo({"phase1-basics/queues.md": GUIDE}))
    user = UserFactory(email="ada@example.com")
    deck_add_cards(user=user, guide=Guide.objects.get(slug="queues"))
    return user


def log(user, card, *, when, rating, state_before):
    reps = ReviewLog.objects.filter(card_state__user=user, card_state__card=card).count()
    ReviewLog.objects.create(
        user=user,
        card_state=CardState.objects.get(user=user, card=card),
        rating=rating,
        reviewed_at=when,
        reps_before=reps,
        state_before=state_before,
        due_before=when,
    )


def test_charts_count_reviews_retention_and_due_cards(learner):
    now = timezone.now()
    cards = list(Card.objects.all()[:3])
    review, learning = CardState.State.REVIEW, CardState.State.LEARNING
    log(learner, cards[0], when=now, rating=3, state_before=review)
    log(learner, cards[1], when=now, rating=1, state_before=review)
    log(learner, cards[2], when=now, rating=1, state_before=learning)  # not counted: learning
    log(learner, cards[0], when=now - datetime.timedelta(days=2), rating=4, state_before=learning)
    log(learner, cards[0], when=now - datetime.timedelta(days=40), rating=3, state_before=review)
    states = CardState.objects.filter(user=learner).order_by("pk")
    states.filter(card=cards[0]).update(state=review, due=now - datetime.timedelta(days=3))
    states.filter(card=cards[1]).update(state=review, due=now + datetime.timedelta(days=5))

    stats = review_statistics(user=learner, now=now)
    assert len(stats.reviews.bars) == 30 and len(stats.forecast.bars) == 30
    assert stats.reviews.bars[-1].value == 3 and stats.reviews.bars[-3].value == 1
    assert stats.reviews_total == 4  # the review 40 days ago is outside the 30 days
    assert len(stats.retention.bars) == 12
    # This month: two reviews of learned cards, one "Again": 50%. Learning steps do not count.
    assert stats.retention.bars[-1].value == 50
    assert stats.retention.bars[-1].title.endswith("50% of 2 reviews")
    assert stats.retention_overall == 67  # with the one 40 days ago: 2 of 3
    assert stats.forecast.bars[0].value == 1  # overdue counts today
    assert stats.forecast.bars[5].value == 1
    assert stats.forecast.bars[0].height == 100


def test_statistics_page_renders_three_charts(client, learner, django_assert_num_queries):
    client.force_login(learner)
    # The session, the user, then one grouped query per chart, whatever the history.
    with django_assert_num_queries(5):
        response = client.get("/flashcards/statistics/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('<svg class="chart__svg"') == 3
    assert "Reviews per day, last 30 days" in html and "Cards due in the next 30 days" in html
    assert "0 reviews in the last 30 days" in html


def test_statistics_need_sign_in(client):
    assert client.get("/flashcards/statistics/").status_code == 302
