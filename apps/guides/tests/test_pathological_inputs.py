"""Every guide parser against pathological input, with a time budget: guide rendering (in its
time-limited child), the glossary parser, inline glossary rendering, the title and heading reads,
discovery's heading reads; and an import where one guide fails while the good ones go in."""

import re
import time

import pytest
from django.urls import reverse

from apps.accounts.tests.factories import UserFactory
from apps.core.markdown_guard import run_with_time_limit
from apps.core.tests.pathological import pathological_texts, under_glossary
from apps.guides import rendering
from apps.guides.discovery import discover
from apps.guides.glossary import find_glossaries
from apps.guides.models import Guide
from apps.guides.rendering import GuideError, inline_html, render_guide
from apps.guides.services import guides_import

GUIDE_SIZE = 2 * 1024 * 1024  # settings.GUIDE_MAX_BYTES
GUIDE_BUDGET = 5.0  # seconds for one guide file, whatever it contains
CASES = sorted(pathological_texts(100))
# The cases that cost most before the guard, run at the full size limit.
WORST = [
    "run of '['",
    "image openers",
    "numbers on one line",
    "list nested by two spaces",
    "heading then spaces",
    "many table columns",
]

GOOD_GUIDE = """# Queues

## Delivery

At-least-once delivery needs idempotent consumers.

- [ ] Build an idempotent consumer
"""


def render_within_budget(text: str):
    started = time.monotonic()
    try:
        result = render_guide(text, fallback_title="Fallback")
    except GuideError as error:
        result = error
    spent = time.monotonic() - started
    assert spent < GUIDE_BUDGET, f"took {spent:.1f} s"
    return result


@pytest.mark.parametrize("case", CASES)
def test_render_guide_stays_within_budget_and_raises_only_guide_error(case):
    result = render_within_budget(pathological_texts(20_000)[case])
    if isinstance(result, GuideError):
        assert str(result)  # a reason for the import report
    else:
        assert result.title


@pytest.mark.parametrize("case", WORST)
def test_render_guide_at_the_size_limit(case):
    text = pathological_texts(GUIDE_SIZE)[case]
    render_within_budget(text)


@pytest.mark.parametrize("case", CASES)
def test_glossary_parser_is_linear(case):
    text = under_glossary(pathological_texts(512 * 1024)[case])
    started = time.monotonic()
    find_glossaries(text)
    assert time.monotonic() - started < 3


@pytest.mark.parametrize("case", CASES)
def test_inline_glossary_rendering(case):
    # A term's field at its length limit, as the flashcards and glossary pages render it.
    started = time.monotonic()
    inline_html(pathological_texts(rendering.TERM_FIELD_MAX_CHARS)[case])
    assert time.monotonic() - started < 2


def test_title_and_heading_reads_on_long_space_runs():
    # H1 took 15 s on 2,000 spaces before it became a scan.
    line = "# x" + " " * 100_000 + "y"
    guide = render_within_budget(line + "\n\nBody.\n")
    assert guide.title == "x y"
    for case in ("heading then spaces", "heading with spaces and hashes"):
        render_within_budget(pathological_texts(GUIDE_SIZE)[case] + "\n\nBody.\n")


# Discovery reads headings with `atx_heading`: its own pattern took seconds on this line.
def test_discovery_heading_reads(tmp_path):
    line = "## x" + " " * 2000 + "y"
    (tmp_path / "README.md").write_text(f"# Repo\n\n{line}\n\n- [Queues](./queues.md)\n")
    (tmp_path / "phase1-a").mkdir()
    (tmp_path / "phase1-a" / "INDEX.md").write_text(f"# Phase{' ' * 2000}x\n\n{line}\n")
    (tmp_path / "queues.md").write_text(GOOD_GUIDE)
    started = time.monotonic()
    run_with_time_limit(discover, tmp_path, seconds=10)
    assert time.monotonic() - started < 2


# One guide fails, alone, with a reason; the others are imported.


@pytest.mark.django_db
def test_import_with_pathological_guides_imports_the_good_ones(guide_repo, settings, monkeypatch):
    settings.GUIDE_RENDER_SECONDS = 2
    real_find = rendering.terms.find_glossaries

    def find_glossaries_that_recurse(text: str):
        # Stands for any construct the pre-pass does not know: the render fails in the child.
        if "RECURSE" in text:
            raise RecursionError("maximum recursion depth exceeded")
        if "BROKEN" in text:
            raise ValueError("an unexpected bug")
        return real_find(text)

    monkeypatch.setattr(rendering.terms, "find_glossaries", find_glossaries_that_recurse)
    root = guide_repo(
        {
            "a-good.md": GOOD_GUIDE,
            "b-slow.md": "# Slow\n\n" + "[" * (GUIDE_SIZE - 100),
            "c-recursive.md": "# Recursive\n\nRECURSE\n",
            "d-broken.md": "# Broken\n\nBROKEN\n",
            "e-nested.md": "# Nested\n\n" + "1. " * 9000 + "deep\n\n" + "> " * 9000 + "x\n",
            "f-good.md": GOOD_GUIDE.replace("Queues", "Streams"),
        }
    )
    started = time.monotonic()
    report = guides_import(path=root)
    assert time.monotonic() - started < 60
    results = {result.path: result for result in report.guides}
    assert results["a-good.md"].status == "created"
    assert results["f-good.md"].status == "created"
    assert results["e-nested.md"].status == "created"  # deep nesting is capped, not fatal
    assert results["b-slow.md"].status == "failed"
    assert "longer than the 2-second limit" in results["b-slow.md"].reason
    assert results["c-recursive.md"].status == "failed"
    assert "nests too deeply" in results["c-recursive.md"].reason
    assert results["d-broken.md"].status == "failed"
    assert "an unexpected bug" in results["d-broken.md"].reason
    assert set(Guide.objects.values_list("title", flat=True)) == {"Queues", "Streams", "Nested"}


# Content ids, Mermaid configuration


RESERVED = """# Reserved

## Guide Title

The [Popover](#glossary) explains it; [back up](#guide-title).

- [ ] Open the popover

```mermaid
%%{init: {"themeCSS": "body{display:none}", "fontFamily": "Comic Sans"}}%%
flowchart LR
  A --> B
```

<div id="note-list">raw html</div>

## Glossary

| Term | Description |
|---|---|
| Popover | A floating box |
"""


def test_content_ids_stay_clear_of_page_ids_and_links_keep_working():
    guide = render_guide(RESERVED, fallback_title="Reserved")
    body = guide.body_html
    assert 'id="guide-title"' not in body and 'id="note-list"' not in body
    assert 'id="user-content-guide-title"' in body
    assert 'href="#user-content-guide-title"' in body  # the author's link and the permalink
    assert guide.sections[0].anchor == "user-content-guide-title"
    assert guide.toc[0]["id"] == "user-content-guide-title"
    # The term keeps a plain anchor the popover and the flashcards can use, just not the page's.
    assert [term.anchor for term in guide.terms] == ["term-popover-2"]
    assert 'id="term-popover-2"' in body and 'href="#term-popover-2"' in body
    assert len(guide.tasks) == 1 and f"<!--task:{guide.tasks[0].key}-->" in body
    assert "themeCSS" not in body and "Comic Sans" not in body and "A --&gt; B" in body


@pytest.mark.django_db
def test_guide_page_has_one_element_per_page_id(client, guide_repo):
    guides_import(path=guide_repo({"reserved.md": RESERVED}))
    user = UserFactory(email="ids@example.com")
    client.force_login(user)
    guide = Guide.objects.get()
    page = client.get(guide.get_absolute_url()).content.decode()
    ids = re.findall(r'\bid="([^"]+)"', page)
    duplicates = {value for value in ids if ids.count(value) > 1}
    assert not duplicates
    item = guide.task_items.get()
    assert f'id="taskbox-{item.key}"' in page  # the page's own control, where notes link
    assert 'href="#user-content-guide-title"' in page  # the table of contents
    assert client.get(reverse("search:search"), {"q": "[" * 200 + '"' * 50}).status_code == 200
