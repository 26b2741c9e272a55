"""Offline, in Chromium with Playwright's offline mode: a guide opened once reads offline, a tick
made offline is recorded once after reconnecting (even if sent twice), a page never opened
shows the offline page, and signing out leaves nothing behind."""

import time

import pytest
from playwright.sync_api import expect

from apps.core.tests.browser_site import build_site, sign_in
from apps.guides.models import TaskItem
from apps.progress.models import ActivityDay, TaskProgress

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

KEPT_PAGES = (
    "caches.open('pages').then(c => c.keys()).then(k => k.map(r => new URL(r.url).pathname))"
)


def kept_pages(page) -> list[str]:
    return page.evaluate(KEPT_PAGES)


def wait_until(condition, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def wait_until_kept(page, path: str) -> None:
    wait_until(lambda: path in kept_pages(page))


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
    expect(page.locator("[data-offline-waiting]")).to_have_text("1 change waiting to be sent.")
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
    wait_until(lambda: "/guides/queues/" not in kept_pages(page))
    assert page.evaluate("localStorage.getItem('portal-offline-queue')") is None
    context.close()
