"""Sign in, tick an exercise, reload: it stays ticked and the phase bar moved."""

import re

import pytest
from playwright.sync_api import expect

from apps.accounts.models import User
from apps.guides.services import guides_import

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

GUIDE = "# Queues\n\n## Exercises\n\n- [ ] Run a broker locally\n- [ ] Measure consumer lag\n"
BAR = '#phases-title ~ ol [role="progressbar"]'


def test_tick_survives_reload_and_moves_the_phase_bar(live_server, page, guide_repo):
    guides_import(path=guide_repo({"phase1-basics/queues.md": GUIDE}))
    User.objects.create_user(email="ada@example.com", password="pw-12345678")

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", "ada@example.com")
    page.fill("input[name=password]", "pw-12345678")
    page.click("form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/dashboard/")
    assert page.locator(BAR).first.get_attribute("aria-valuenow") == "0"

    page.goto(f"{live_server.url}/guides/queues/")
    first = page.locator(".task-control").first
    with page.expect_response(lambda r: "/progress/items/" in r.url and r.status == 200):
        first.locator(".task-check").click()
    # htmx swapped the form in place, without a reload: the box is ticked.
    expect(page.locator(".task-control").first).to_have_class(re.compile(r"task-control--done"))
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1

    page.reload()
    assert page.locator(".task-control").first.get_attribute("class").endswith("--done")
    assert page.locator(".task-control").nth(1).get_attribute("class").endswith("--todo")

    page.goto(f"{live_server.url}/dashboard/")
    # One item of two done, one section unread: 1 of 3 parts.
    assert page.locator(BAR).first.get_attribute("aria-valuenow") == "33"
