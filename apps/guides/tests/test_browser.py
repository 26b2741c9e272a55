"""A real Chromium reads a guide: Mermaid renders to SVG, glossary links open in place."""

import pytest

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
