"""A real Chromium types a misspelled query in the header and picks a result by keyboard."""

import pytest

from apps.search.tests.test_search import QUEUES, STREAMS

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def library_files():
    return {"queues.md": QUEUES, "streams.md": STREAMS}


def test_typing_a_misspelled_query_and_choosing_a_result_by_keyboard(live_server, page, library):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/guides/streams/")
    box = page.locator("#site-search-input")
    box.click()
    box.press_sequentially("dedupliction", delay=30)

    listbox = page.locator("#site-search-listbox")
    listbox.wait_for(state="visible")
    assert box.get_attribute("aria-expanded") == "true"
    assert "Results for deduplication" in page.locator("#site-search-results").inner_text()
    status = page.locator("#site-search-status")
    assert "result" in status.inner_text()

    box.press("ArrowDown")
    first = page.locator('#site-search-listbox [role="option"]').first
    assert first.get_attribute("aria-selected") == "true"
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
    assert page.evaluate("document.activeElement.id") == "site-search-input"

    box.press("Escape")
    assert page.locator("#site-search-results").is_hidden()
    box.press("ArrowDown")  # reopens on the same results
    assert listbox.is_visible()
    box.press("Enter")
    page.wait_for_url("**/guides/queues/#deduplication-tables")
    assert errors == []


def test_enter_without_a_choice_opens_the_full_results_page(live_server, page, library):
    page.goto(f"{live_server.url}/")
    box = page.locator("#site-search-input")
    box.fill("terraform statefile")
    box.press("Enter")
    page.wait_for_url("**/search/?q=terraform+statefile")
    assert (
        "Showing results for terraform state file" in page.locator("#search-results").inner_text()
    )


def test_the_header_search_works_without_javascript(live_server, browser, library):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    page.locator("#site-search-input").fill("idempotnt")
    page.locator("#site-search-input").press("Enter")
    page.wait_for_url("**/search/?q=idempotnt")
    assert page.locator(".badge--section").count() >= 1
    context.close()
