"""Every page fits a phone: no sideways scroll at 360-414 px, signed in or out, and every
header control is reachable through the menu button."""

import pytest
from playwright.sync_api import expect

from apps.core.tests.browser_site import SIGNED_OUT_PAGES, build_site, sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PHONES = [(360, 740), (390, 844), (414, 896)]


def overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_no_page_scrolls_sideways_on_a_phone_signed_in(live_server, browser, guide_repo):
    site = build_site(guide_repo)
    for width, height in PHONES:
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        sign_in(page, live_server.url)
        for path in site.signed_in_pages():
            page.goto(live_server.url + path)
            assert overflow(page) <= 0, f"{path} scrolls sideways at {width}px"
        context.close()


def test_no_page_scrolls_sideways_on_a_phone_signed_out(live_server, browser, guide_repo):
    build_site(guide_repo)
    for javascript in (True, False):
        context = browser.new_context(
            viewport={"width": 360, "height": 740}, java_script_enabled=javascript
        )
        page = context.new_page()
        for path in SIGNED_OUT_PAGES:
            page.goto(live_server.url + path)
            assert overflow(page) <= 0, f"{path} scrolls sideways (JavaScript {javascript})"
        context.close()


def test_the_menu_button_reveals_sign_out_on_a_phone(live_server, browser, guide_repo):
    build_site(guide_repo)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/dashboard/")
    sign_out = page.get_by_role("button", name="Sign out")
    expect(sign_out).to_be_hidden()
    menu = page.get_by_role("button", name="Menu")
    menu.focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(sign_out).to_be_visible()
    box = sign_out.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    page.keyboard.press("Escape")
    expect(sign_out).to_be_hidden()
    expect(menu).to_be_focused()
    # Wide screens show the links without the button.
    page.set_viewport_size({"width": 1366, "height": 900})
    expect(menu).to_be_hidden()
    expect(sign_out).to_be_visible()
    context.close()


def test_without_javascript_the_header_links_wrap_and_stay_visible(
    live_server, browser, guide_repo
):
    build_site(guide_repo)
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(page.get_by_role("button", name="Dark theme")).to_be_hidden()
    context.close()
