"""Keyboard use of the guide's controls: focus stays on the control after each htmx swap, the
change is announced, and the "N of M sections read" pill follows without a reload."""

import pytest
from playwright.sync_api import expect

from apps.core.tests.browser_site import build_site, sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_focus_stays_on_the_exercise_after_a_keyboard_tick(live_server, page, guide_repo):
    build_site(guide_repo)
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/guides/queues/")
    first = page.locator(".task-control").first
    first.locator(".task-check").focus()
    with page.expect_response(lambda r: "/progress/items/" in r.url):
        page.keyboard.press("Space")
    expect(first).to_have_class("task-control task-control--done")
    expect(page.locator(".task-control").first.locator(".task-check")).to_be_focused()
    expect(page.locator("#live-region")).to_have_text("Exercise: done")
    # The next Tab goes on from the exercise, not from "Skip to content".
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('.task-control') !== null")

    # A choice in the state menu brings focus back to that exercise's checkbox.
    second = page.locator(".task-control").nth(1)
    second.locator("summary").focus()
    page.keyboard.press("Enter")
    second.get_by_role("button", name="In progress").focus()
    with page.expect_response(lambda r: "/progress/items/" in r.url):
        page.keyboard.press("Enter")
    expect(page.locator(".task-control").nth(1)).to_have_class(
        "task-control task-control--in_progress"
    )
    expect(page.locator(".task-control").nth(1).locator(".task-check")).to_be_focused()
    expect(page.locator("#live-region")).to_have_text("Exercise: in progress")


def test_marking_a_section_read_keeps_focus_and_updates_the_pill(live_server, page, guide_repo):
    build_site(guide_repo)
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/guides/queues/")
    pill = page.locator("[data-guide-status] .pill")
    total = page.locator(".section-read").count()
    expect(pill).to_have_text(f"0 of {total} sections read")
    button = page.locator(".section-read button").first
    button.focus()
    with page.expect_response(lambda r: "/progress/sections/" in r.url):
        page.keyboard.press("Enter")
    expect(pill).to_have_text(f"1 of {total} sections read")
    expect(page.locator(".section-read button").first).to_be_focused()
    expect(page.locator(".section-read button").first).to_have_text("Read ✓")
    expect(page.locator("#live-region")).to_have_text("Section marked as read")
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1


def test_without_javascript_a_tick_returns_to_the_exercise(live_server, browser, guide_repo):
    build_site(guide_repo)
    context = browser.new_context(
        viewport={"width": 1280, "height": 700}, java_script_enabled=False
    )
    page = context.new_page()
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/guides/queues/")
    control = page.locator(".task-control").nth(2)
    anchor = control.get_attribute("id")
    control.locator(".task-check").click()
    page.wait_for_url(f"{live_server.url}/guides/queues/#{anchor}")
    expect(page.locator(f"#{anchor}")).to_have_class("task-control task-control--done")
    expect(page.locator(f"#{anchor}")).to_be_in_viewport()
    context.close()
