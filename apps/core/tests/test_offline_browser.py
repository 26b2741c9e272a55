"""Offline, in Chromium with Playwright's offline mode: a guide opened once reads offline, a tick
made offline is recorded once after reconnecting (even if sent twice), a page never opened
shows the offline page, and signing out leaves nothing behind."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from apps.core.tests.browser_site import build_site, sign_in
from apps.core.tests.waiting import wait_until
from apps.flashcards.models import ReviewLog
from apps.guides.models import TaskItem
from apps.progress.models import ActivityDay, TaskProgress

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

KEPT_PAGES = (
    "caches.open('pages').then(c => c.keys()).then(k => k.map(r => new URL(r.url).pathname))"
)


def kept_pages(page) -> list[str]:
    return page.evaluate(KEPT_PAGES)


def wait_until_kept(page, path: str) -> None:
    wait_until(lambda: path in kept_pages(page), timeout=15, message=f"{path} in the cache")


def test_a_guide_opened_once_reads_offline_and_an_offline_tick_counts_once(
    live_server, browser, guide_repo
):
    site = build_site(guide_repo)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/guides/queues/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    # The first load ran before the worker existed; the next one goes through it and is kept.
    page.reload()
    wait_until_kept(page, "/guides/queues/")
    expect(page.locator("[data-offline-banner]")).to_be_hidden()

    context.set_offline(True)
    page.goto(f"{live_server.url}/guides/queues/")
    expect(page.locator("h1")).to_contain_text("Queues and brokers")
    expect(page.locator("[data-offline-banner]")).to_be_visible()
    expect(page.locator("[data-offline-banner]")).to_contain_text("You are offline")

    # A guide never opened: the offline page, which lists the one that was.
    page.goto(f"{live_server.url}/guides/streams/")
    expect(page.locator("h1")).to_have_text("You are offline")
    expect(page.locator("[data-offline-pages] a")).to_contain_text(["Queues and brokers"])
    assert "Streams" not in page.locator("[data-offline-pages]").inner_text()
    page.click("[data-offline-pages] a >> text=Queues and brokers")
    expect(page.locator("h1")).to_contain_text("Queues and brokers")

    item = TaskItem.objects.get(guide=site.guide, text__startswith="Measure consumer lag")
    check = page.locator(f"#taskbox-{item.key} .task-check")
    check.click()
    expect(page.locator(f"#taskbox-{item.key}")).to_have_class(
        "task-control task-control--done is-queued"
    )
    expect(page.locator("[data-offline-waiting]")).to_have_text("1 waiting to be sent.")
    assert not TaskProgress.objects.filter(user=site.user).exists()
    # The same tick queued twice (a retry whose answer was lost): still one tick.
    page.evaluate(
        "() => { const q = JSON.parse(localStorage.getItem('portal-offline-queue'));"
        " q.push(Object.assign({}, q[0], {at: q[0].at + 1}));"
        " localStorage.setItem('portal-offline-queue', JSON.stringify(q)); }"
    )

    context.set_offline(False)
    page.wait_for_function("() => localStorage.getItem('portal-offline-queue') === null")
    expect(page.locator("[data-offline-banner]")).to_be_hidden()
    progress = TaskProgress.objects.get(user=site.user, item=item)
    assert progress.state == "done"
    assert ActivityDay.objects.get(user=site.user).ticks == 1
    page.reload()
    expect(page.locator(f"#taskbox-{item.key}")).to_have_class("task-control task-control--done")
    assert ActivityDay.objects.get(user=site.user).ticks == 1

    # Signing out drops the kept pages and anything waiting.
    page.click("[data-menu-toggle]")
    page.click("form[data-sign-out] button")
    page.wait_for_url(f"{live_server.url}/")
    wait_until(lambda: "/guides/queues/" not in kept_pages(page), timeout=15)
    assert page.evaluate("localStorage.getItem('portal-offline-queue')") is None
    context.close()


def test_a_card_answered_offline_is_recorded_once_after_reconnecting(
    live_server, browser, guide_repo
):
    site = build_site(guide_repo)
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/flashcards/review/?deck=all")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    term = page.locator(".flashcard__front .card-term").inner_text()

    context.set_offline(True)
    page.keyboard.press("Space")
    page.keyboard.press("3")
    expect(page.locator("#review")).to_contain_text("Answer kept on this device")
    expect(page.locator("[data-offline-waiting]")).to_have_text("1 waiting to be sent.")
    assert not ReviewLog.objects.exists()
    page.evaluate(
        "() => { const q = JSON.parse(localStorage.getItem('portal-offline-queue'));"
        " q.push(Object.assign({}, q[0], {at: q[0].at + 1}));"
        " localStorage.setItem('portal-offline-queue', JSON.stringify(q)); }"
    )

    context.set_offline(False)
    wait_until(
        lambda: page.evaluate("localStorage.getItem('portal-offline-queue')") is None, timeout=15
    )
    log = ReviewLog.objects.get(user=site.user)  # one answer, though it was sent twice
    assert log.rating == 3 and log.card_state.card.term.term == term
    assert log.duration_ms is None  # not timed: it arrived long after it was given
    context.close()


@pytest.mark.skipif(not os.environ.get("SCREENSHOTS"), reason="set SCREENSHOTS=<dir>")
def test_screenshots_offline(live_server, browser, guide_repo):
    site = build_site(guide_repo)
    out = Path(os.environ["SCREENSHOTS"])
    out.mkdir(parents=True, exist_ok=True)
    item = TaskItem.objects.get(guide=site.guide, text__startswith="Measure consumer lag")
    for theme in ("light", "dark"):
        for width, height in ((390, 844), (1366, 900)):
            context = browser.new_context(
                viewport={"width": width, "height": height}, color_scheme=theme
            )
            page = context.new_page()
            sign_in(page, live_server.url)
            page.goto(f"{live_server.url}/guides/queues/")
            page.evaluate("navigator.serviceWorker.ready.then(() => true)")
            page.reload()
            wait_until_kept(page, "/guides/queues/")
            context.set_offline(True)
            page.goto(f"{live_server.url}/guides/queues/")
            page.locator(f"#taskbox-{item.key} .task-check").click()
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            page.screenshot(path=out / f"offline-guide-{width}-{theme}.png")
            page.locator(f"#taskbox-{item.key}").scroll_into_view_if_needed()
            page.screenshot(path=out / f"offline-tick-{width}-{theme}.png")
            page.goto(f"{live_server.url}/guides/streams/")
            expect(page.locator("[data-offline-pages] a").first).to_be_visible()
            page.screenshot(path=out / f"offline-page-{width}-{theme}.png", full_page=True)
            context.close()
