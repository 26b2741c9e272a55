"""The activity heatmap on a phone: opens on today, fits the screen, names every day."""

import datetime

import pytest
from playwright.sync_api import expect

from apps.core.tests.browser_site import build_site, sign_in
from apps.progress.models import ActivityDay
from apps.progress.services import user_local_date

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.mark.parametrize("javascript", [True, False])
def test_heatmap_opens_on_today_on_a_phone(live_server, browser, guide_repo, javascript):
    site = build_site(guide_repo)
    today = user_local_date(user=site.user)
    ActivityDay.objects.create(user=site.user, day=today, reads=4)
    ActivityDay.objects.create(user=site.user, day=today - datetime.timedelta(days=200), reads=1)
    # The scroller is laid out right to left, so it opens on today even without JavaScript.
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, java_script_enabled=javascript
    )
    page = context.new_page()
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/dashboard/")
    scroller = page.locator(".heatmap__scroll")
    today_cell = page.get_by_role("img", name=f"{today:%a %-d %b %Y}: 4 actions")
    expect(today_cell).to_be_visible()
    cell, box = today_cell.bounding_box(), scroller.bounding_box()
    assert cell and box
    assert box["x"] <= cell["x"] and cell["x"] + cell["width"] <= box["x"] + box["width"]
    # A year does not fit 390 px: the grid scrolls inside its box, not the page.
    assert scroller.evaluate("el => el.scrollWidth > el.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    expect(page.locator(".heatmap__weekdays")).to_contain_text("Mon")
    expect(page.locator(".heatmap__legend")).to_contain_text("Less")
    assert page.locator(".heatmap__month", has_text=f"{today:%b}").count() >= 1
    context.close()
