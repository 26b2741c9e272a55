"""A real Chromium reads a guide: Mermaid renders to SVG, glossary links open in place."""

import pytest

from apps.guides.models import Guide
from apps.guides.services import guides_import

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

GUIDE = """# Event Streaming

## Executive Summary

A [Partition](#glossary) orders events; a [Consumer Group](#glossary) shares them out.

```mermaid
flowchart LR
  P["Producer"] --> T["Topic (3 partitions)"] --> C["Consumer group"]
```

## Glossary

### Partition
- **Description**: An ordered, append-only slice of a topic.
- **Use this when**: You need ordering per key.
- **Like**: One lane of a motorway.

### Consumer Group
- **Description**: Consumers sharing the partitions of a topic.
- **Use this when**: Scaling out reads.
- **Like**: Cashiers sharing one queue.
"""


def test_guide_renders_mermaid_and_opens_glossary_in_place(live_server, page, guide_repo):
    guides_import(path=guide_repo({"streaming.md": GUIDE}))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/guides/streaming/")

    diagram = page.locator("pre.mermaid svg")
    diagram.wait_for(state="visible")
    assert "Topic (3 partitions)" in diagram.text_content()

    popover = page.locator("#term-popover")
    assert popover.is_hidden()
    page.locator('[data-guide-body] a[href="#term-partition"]').first.click()
    assert popover.is_visible()
    assert page.locator("#term-popover-title").inner_text() == "Partition"
    assert "append-only slice of a topic" in popover.inner_text()
    assert "One lane of a motorway" in popover.inner_text()
    assert page.evaluate("window.location.hash") == ""  # opened in place, no jump

    page.keyboard.press("Escape")
    assert popover.is_hidden()
    assert errors == []


def test_guide_reads_without_javascript(live_server, browser, guide_repo):
    guides_import(path=guide_repo({"streaming.md": GUIDE}))
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/guides/streaming/")
    assert page.locator("h1").inner_text() == "Event Streaming"
    page.locator('[data-guide-body] a[href="#term-consumer-group"]').first.click()
    assert page.evaluate("window.location.hash") == "#term-consumer-group"
    assert page.locator("#term-consumer-group").is_visible()
    context.close()


def _far_apart_diagrams() -> str:
    filler = "\n\n".join(f"Paragraph {n} about partitions and ordering." for n in range(150))
    return (
        '# Far Apart\n\n## Near\n\n```mermaid\nflowchart LR\n  A["Near diagram"] --> B\n```\n\n'
        f"## Filler\n\n{filler}\n\n## Far\n\n"
        '```mermaid\nflowchart LR\n  C["Far diagram"] --> D\n```\n'
    )


def test_diagrams_are_drawn_as_they_come_near_the_viewport(live_server, page, guide_repo):
    guides_import(path=guide_repo({"far.md": _far_apart_diagrams()}))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(live_server.url + Guide.objects.get().get_absolute_url())
    near, far = page.locator("pre.mermaid").nth(0), page.locator("pre.mermaid").nth(1)
    near.locator("svg").wait_for(state="visible")
    assert "Near diagram" in near.text_content()
    # Kept on purpose: the subject is something that must NOT happen (the far diagram drawn
    # without being near), and the page signals nothing when it decides not to draw; a far
    # diagram queued by mistake would be drawn within this window, right after the near one.
    page.wait_for_timeout(500)
    # The far diagram is still its source, with its space reserved.
    assert far.locator("svg").count() == 0
    assert far.evaluate("node => parseInt(node.style.minHeight)") >= 160
    far.scroll_into_view_if_needed()
    far.locator("svg").wait_for(state="visible")
    assert "Far diagram" in far.text_content()
    assert far.evaluate("node => node.style.minHeight") == ""
    # The theme toggle redraws what is drawn, in the other palette.
    page.locator("[data-theme-toggle]").click()
    far.locator("svg").wait_for(state="visible")
    assert errors == []


def test_mermaid_is_not_fetched_until_a_diagram_is_near(live_server, page, guide_repo):
    text = _far_apart_diagrams().replace(
        '```mermaid\nflowchart LR\n  A["Near diagram"] --> B\n```\n', "Just text.\n"
    )
    guides_import(path=guide_repo({"far.md": text}))
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(live_server.url + Guide.objects.get().get_absolute_url())
    # No request for half a second (Playwright's "networkidle"): a Mermaid import started by
    # the page would still be loading, or would have been recorded.
    page.wait_for_load_state("networkidle")
    assert not [url for url in requested if "/vendor/mermaid/" in url]
    page.locator("pre.mermaid").scroll_into_view_if_needed()
    page.locator("pre.mermaid svg").wait_for(state="visible")
    assert [url for url in requested if url.endswith("mermaid.esm.min.mjs")]
