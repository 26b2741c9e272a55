"""The preferences page in Chromium: the browser's time zone, an htmx save, and no-JS."""

import pytest
from playwright.sync_api import expect

from apps.reminders.models import ReminderPreference

from .factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def sign_in(browser, live_server, *, zone: str, javascript: bool = True):
    user = UserFactory(email="ada@example.com")
    user.set_password("pw-12345678")
    user.save()
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, timezone_id=zone, java_script_enabled=javascript
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", "ada@example.com")
    page.fill("input[name=password]", "pw-12345678")
    page.click("form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return user, context, page


def test_first_visit_fills_the_browser_zone_and_saves_in_place(browser, live_server):
    user, context, page = sign_in(browser, live_server, zone="Asia/Tokyo")
    page.goto(f"{live_server.url}/reminders/")
    expect(page.locator("#id_timezone")).to_have_value("Asia/Tokyo")
    page.locator("label[for=id_weekdays_5]").click()  # Saturday off
    page.fill("#id_local_time", "07:15")
    with page.expect_response(lambda r: r.url.endswith("/reminders/") and r.status == 200):
        page.click("text=Save preferences")
    expect(page.locator("#reminders-panel")).to_contain_text("Saved. Reminders are on.")
    expect(page.locator("#reminders-panel")).to_contain_text("Asia/Tokyo time")
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    preference = ReminderPreference.objects.get(user=user)
    assert preference.weekdays == 0b1011111
    assert preference.local_time.strftime("%H:%M") == "07:15"
    user.refresh_from_db()
    assert user.timezone == "Asia/Tokyo"

    # A saved zone is only suggested, never overwritten by the browser's.
    page.fill("#id_timezone", "Europe/Paris")
    expect(page.locator("[data-timezone-hint]")).to_be_visible()
    page.click("[data-timezone-use]")
    expect(page.locator("#id_timezone")).to_have_value("Asia/Tokyo")

    page.fill("#id_timezone", "Nowhere/Atlantis")
    page.click("text=Save preferences")
    expect(page.locator("#reminders-panel")).to_contain_text("is not a time zone we know")
    expect(page.locator("#id_timezone")).to_be_focused()
    context.close()


def test_the_page_works_without_javascript(browser, live_server):
    user, context, page = sign_in(browser, live_server, zone="Europe/Paris", javascript=False)
    page.goto(f"{live_server.url}/reminders/")
    page.fill("#id_timezone", "America/New_York")
    page.click("text=Save preferences")
    page.wait_for_url(f"{live_server.url}/reminders/")
    expect(page.locator(".messages")).to_contain_text("Saved. Reminders are on.")
    page.click("text=Pause for a week")
    expect(page.locator(".messages")).to_contain_text("Paused until")
    page.click("text=Resume now")
    expect(page.locator(".messages")).to_contain_text("Reminders are on again")
    assert ReminderPreference.objects.get(user=user).paused_until is None
    context.close()
