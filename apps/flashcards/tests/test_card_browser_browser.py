"""The card browser in Chromium: search as you type, suspend with the keyboard in place, and
no sideways scrolling on a phone. SCREENSHOTS=<dir> also saves each page at both sizes and in
both themes, to look at."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from apps.core.tests.browser_site import build_site, sign_in
from apps.flashcards.models import CardState
from apps.flashcards.services import review_answer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_search_and_suspend_in_place_with_the_keyboard(live_server, browser, guide_repo):
    site = build_site(guide_repo)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/flashcards/")
    page.click("text=Card browser")
    expect(page.locator("#card-results")).to_contain_text("2 cards")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.fill("#card-search-input", "routes")
    expect(page.locator("#card-results")).to_contain_text("1 card")
    expect(page.locator(".card-row")).to_have_count(1)
    assert "q=routes" in page.url  # the filtered list has an address of its own

    button = page.locator(".card-row button", has_text="Suspend")
    button.focus()
    with page.expect_response(lambda r: "/suspend/" in r.url and r.ok):
        page.keyboard.press("Enter")
    expect(page.locator(".card-row .pill--suspended")).to_be_visible()
    # Focus stays on the same control, now "Unsuspend", and the change is announced.
    expect(page.locator(":focus")).to_contain_text("Unsuspend")
    expect(page.locator("#live-region")).to_have_text("Suspended Broker.")
    assert CardState.objects.get(user=site.user, card__term__term="Broker").is_suspended
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    context.close()


@pytest.mark.skipif(not os.environ.get("SCREENSHOTS"), reason="set SCREENSHOTS=<dir>")
def test_screenshots(live_server, browser, guide_repo):
    site = build_site(guide_repo)
    out = Path(os.environ["SCREENSHOTS"])
    out.mkdir(parents=True, exist_ok=True)
    for reps, rating in enumerate((3, 1, 3)):
        review_answer(user=site.user, card_state_id=site.card_id, rating=rating, expected_reps=reps)
    CardState.objects.filter(pk=site.card_id).update(is_suspended=True)
    for theme in ("light", "dark"):
        for width, height in ((390, 844), (1366, 900)):
            context = browser.new_context(
                viewport={"width": width, "height": height}, color_scheme=theme
            )
            page = context.new_page()
            sign_in(page, live_server.url)
            for name, path in (
                ("cards", "/flashcards/cards/"),
                ("card", f"/flashcards/cards/{site.card_id}/"),
                ("decks", "/flashcards/"),
            ):
                page.goto(live_server.url + path)
                assert page.evaluate("document.documentElement.scrollWidth") <= width
                page.screenshot(path=out / f"{name}-{width}-{theme}.png", full_page=True)
            context.close()
