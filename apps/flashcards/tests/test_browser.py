"""Review three cards with the keyboard only: Space shows the answer, digits answer, U undoes."""

import pytest
from playwright.sync_api import expect

from apps.accounts.models import User
from apps.flashcards.models import CardState, ReviewLog
from apps.flashcards.services import deck_add_cards
from apps.guides.models import Guide
from apps.guides.services import guides_import

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

GUIDE = """# Queues

## Glossary

| Term | Description |
|---|---|
| Producer | Sends messages |
| Consumer | Reads messages |
| Broker | Stores and routes messages |
| Offset | A position in a log |
"""


def test_review_three_cards_with_the_keyboard_only(live_server, page, guide_repo):
    guides_import(path=guide_repo({"phase1-basics/queues.md": GUIDE}))
    user = User.objects.create_user(email="ada@example.com", password="pw-1234567")
    deck_add_cards(user=user, guide=Guide.objects.get(slug="queues"))

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", "ada@example.com")
    page.fill("input[name=password]", "pw-1234567")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/flashcards/review/?deck=all")
    expect(page.locator(".review__counts")).to_contain_text("4 new")

    seen = []
    for rating in ("3", "1", "4"):
        term = page.locator(".flashcard__front .card-term").inner_text()
        seen.append(term)
        expect(page.locator(".flashcard__back")).to_be_hidden()
        page.keyboard.press("Space")
        expect(page.locator(".flashcard__back")).to_be_visible()
        with page.expect_response(lambda r: r.url.endswith("/review/answer/") and r.ok):
            page.keyboard.press(rating)
        expect(page.locator(".flashcard__front .card-term")).not_to_have_text(term)
    assert seen == ["Producer", "Consumer", "Broker"]
    # Answered in place: still the first page load.
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    assert ReviewLog.objects.filter(user=user).count() == 3
    expect(page.locator(".review__counts")).to_contain_text("1 new")

    # U takes back the last answer (Easy on Broker) and shows Broker again.
    with page.expect_response(lambda r: r.url.endswith("/review/undo/") and r.ok):
        page.keyboard.press("u")
    expect(page.locator(".flashcard__front .card-term")).to_have_text("Broker")
    assert ReviewLog.objects.filter(user=user).count() == 2
    assert CardState.objects.get(user=user, card__term__term="Broker").reps == 0
