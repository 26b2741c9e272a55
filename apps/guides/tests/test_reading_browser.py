"""Reading a long guide: the table of contents follows the section in view; back to top."""

import pytest
from playwright.sync_api import expect

from apps.core.tests.browser_site import build_site
from apps.core.tests.waiting import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_toc_highlights_the_section_in_view(live_server, browser, guide_repo):
    build_site(guide_repo)
    context = browser.new_context(viewport={"width": 1366, "height": 500})
    page = context.new_page()
    page.goto(f"{live_server.url}/guides/queues/")
    toc = page.locator(".reader__toc")
    expect(toc).to_be_visible()
    page.locator("#exercises").scroll_into_view_if_needed()
    page.evaluate(
        "window.scrollTo(0, document.getElementById('going-further').getBoundingClientRect().top"
        " + window.scrollY - document.querySelector('.site-header').offsetHeight - 5)"
    )
    current = toc.locator("a[aria-current=location]")
    expect(current).to_have_text("Going further")
    expect(current).to_have_class("is-active")
    assert toc.locator("a.is-active").count() == 1
    # Scrolling back up moves the highlight back.
    page.evaluate(
        "window.scrollTo(0, document.getElementById('exercises').getBoundingClientRect().top"
        " + window.scrollY - document.querySelector('.site-header').offsetHeight - 5)"
    )
    expect(current).to_have_text("Exercises")
    context.close()


def test_back_to_top_appears_after_a_screen_and_returns_focus_to_the_top(
    live_server, browser, guide_repo
):
    build_site(guide_repo)
    context = browser.new_context(viewport={"width": 390, "height": 500})
    page = context.new_page()
    page.goto(f"{live_server.url}/guides/queues/")
    back = page.get_by_role("link", name="Back to top")
    expect(back).to_be_hidden()
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    expect(back).to_be_visible()
    back.focus()
    page.keyboard.press("Enter")
    # The page's CSP forbids wait_for_function's eval; page.evaluate is not affected.
    wait_until(lambda: page.evaluate("window.scrollY") == 0, timeout=5, message="the scroll up")
    expect(page.locator("#main")).to_be_focused()
    context.close()
