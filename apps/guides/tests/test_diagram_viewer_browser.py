"""The full-screen diagram viewer: keyboard, mouse and touch-free pointer use, source, SVG."""

import pytest
from playwright.sync_api import expect

from apps.core.tests.browser_site import build_site
from apps.core.tests.waiting import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def scale(page) -> float:
    return float(page.locator(".diagram-viewer__stage").get_attribute("data-scale") or 0)


def test_viewer_opens_zooms_pans_and_closes_with_the_keyboard(live_server, page, guide_repo):
    build_site(guide_repo)
    page.goto(f"{live_server.url}/guides/queues/")
    page.wait_for_selector("pre.mermaid svg")
    expand = page.get_by_role("button", name="Expand diagram 1")
    expand.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Diagram 1")
    expect(dialog).to_be_visible()
    stage = page.locator(".diagram-viewer__stage")
    expect(stage).to_be_focused()
    fitted = scale(page)
    assert fitted > 0
    page.keyboard.press("+")
    page.keyboard.press("+")
    assert scale(page) == pytest.approx(fitted * 1.25 * 1.25, rel=0.01)
    before = page.locator(".diagram-viewer__svg").evaluate("el => el.style.transform")
    page.keyboard.press("ArrowRight")
    assert page.locator(".diagram-viewer__svg").evaluate("el => el.style.transform") != before
    page.keyboard.press("0")
    assert scale(page) == pytest.approx(fitted, rel=0.01)

    source = page.get_by_role("button", name="View source")
    source.click()
    expect(page.locator(".diagram-viewer__source")).to_contain_text("flowchart LR")
    download = page.get_by_role("link", name="Download SVG")
    assert download.get_attribute("download") == "diagram-1.svg"
    with page.expect_download() as info:
        download.click()
    path = info.value.path()
    assert path is not None
    svg = path.read_text(encoding="utf-8")
    assert svg.startswith("<?xml") and "<svg" in svg and "Producer" in svg

    stage.focus()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(expand).to_be_focused()


def test_viewer_zooms_with_the_wheel_and_pans_by_dragging(live_server, page, guide_repo):
    build_site(guide_repo)
    page.goto(f"{live_server.url}/guides/queues/")
    page.wait_for_selector("pre.mermaid svg")
    page.locator("pre.mermaid").first.click()
    expect(page.locator(".diagram-viewer")).to_be_visible()
    fitted = scale(page)
    box = page.locator(".diagram-viewer__stage").bounding_box()
    assert box
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -400)
    # The page's CSP forbids wait_for_function's eval; page.evaluate is not affected.
    wait_until(lambda: scale(page) > fitted, timeout=5, message="the wheel to zoom in")
    svg = page.locator(".diagram-viewer__svg")
    before = svg.evaluate("el => el.style.transform")
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 120, box["y"] + box["height"] / 2 + 40, steps=5)
    page.mouse.up()
    assert svg.evaluate("el => el.style.transform") != before
    page.get_by_role("button", name="Close").click()
    expect(page.locator(".diagram-viewer")).to_be_hidden()
