"""axe-core (the npm package, pinned in package-lock.json) finds no WCAG 2.1 A or AA violation
on any page, in either theme, signed in or out."""

import os
from pathlib import Path

import pytest

from apps.core.tests.browser_site import SIGNED_OUT_PAGES, build_site, sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

AXE = Path(__file__).resolve().parents[3] / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="module")
def axe_path() -> Path:
    if not AXE.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"{AXE} is missing: `make test` runs `npm ci` first")
        pytest.skip("axe-core is not installed: run `npm ci` (or `make test`)")
    return AXE


def violations(page, axe_path: Path) -> list[str]:
    page.add_script_tag(path=str(axe_path))
    found = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, { runOnly: { type: "tag", values: tags } });
            return result.violations.map(v => v.id + ": " + v.help + " -> " +
                v.nodes.slice(0, 4).map(n => n.target.join(" ") + " " +
                    (n.any[0] ? n.any[0].message : "")).join(" | ") +
                " (" + v.nodes.length + " elements)");
        }""",
        TAGS,
    )
    return list(found)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_no_wcag_violation_on_any_page(live_server, browser, guide_repo, axe_path, theme):
    site = build_site(guide_repo)
    report: dict[str, list[str]] = {}
    for signed_in, paths in ((False, SIGNED_OUT_PAGES), (True, site.signed_in_pages())):
        for width in (1366, 390):
            # The test loads axe as a script of its own, which the site's CSP would refuse.
            context = browser.new_context(
                viewport={"width": width, "height": 900}, color_scheme=theme, bypass_csp=True
            )
            page = context.new_page()
            if signed_in:
                sign_in(page, live_server.url)
            for path in paths:
                page.goto(live_server.url + path)
                if path.startswith("/guides/"):
                    page.wait_for_selector("pre.mermaid svg")
                found = violations(page, axe_path)
                if found:
                    report[f"{path} at {width}px{' signed in' if signed_in else ''}"] = found
            context.close()
    assert report == {}, "\n".join(f"{page}:\n  " + "\n  ".join(v) for page, v in report.items())


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_no_wcag_violation_in_open_menus_dialogs_and_the_share_page(
    live_server, browser, guide_repo, axe_path, theme
):
    from apps.progress.services import learner_share_enable

    site = build_site(guide_repo)
    learner_share_enable(user=site.user)
    site.user.learner_state.refresh_from_db()
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, color_scheme=theme, bypass_csp=True
    )
    page = context.new_page()
    sign_in(page, live_server.url)
    report: dict[str, list[str]] = {}

    page.goto(f"{live_server.url}/guides/queues/")
    # Until Mermaid has drawn it, a diagram is its source text in a scrolling box.
    page.wait_for_selector("pre.mermaid svg")
    page.get_by_role("button", name="Menu").click()
    report["menu open"] = violations(page, axe_path)
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Expand diagram 1").click()
    page.get_by_role("button", name="View source").click()
    report["diagram viewer"] = violations(page, axe_path)
    page.keyboard.press("Escape")
    page.locator(".prose a[href='#term-broker']").first.click()
    report["term popover"] = violations(page, axe_path)

    page.goto(f"{live_server.url}/shared/{site.user.learner_state.share_token}/")
    report["share page"] = violations(page, axe_path)
    context.close()
    report = {name: found for name, found in report.items() if found}
    assert report == {}, "\n".join(f"{name}:\n  " + "\n  ".join(v) for name, v in report.items())
