"""Guides render the way their authors see them on GitHub (cmark-gfm)."""

import os
import re
from pathlib import Path

import pytest

from apps.guides.rendering import render_guide
from apps.guides.tests.gfm_structure import features, github_html, lost_regions

CORPORA = Path(__file__).resolve().parents[3].parent / "shared" / "corpus"


def render(text: str) -> str:
    return render_guide("# Title\n\n" + text, fallback_title="Fallback").body_html


class TestGitHubSyntax:
    def test_ordered_list_with_parentheses_is_a_list(self):
        html = render("Steps:\n\n1) one\n2) two\n   1) nested\n3) three\n")
        assert html.count("<ol>") == 2
        assert "<li>one</li>" in html
        assert "<li>nested</li>" in html
        assert "1)" not in html

    def test_parenthesised_list_directly_under_text(self):
        html = render("Steps:\n1) one\n2) two\n")
        assert "<p>Steps:</p>\n<ol>" in html

    def test_letters_and_roman_numerals_stay_text_as_on_github(self):
        html = render("A. Not a list\n\ni. Nor this\n")
        assert "<ol" not in html

    def test_bare_urls_www_and_emails_are_links(self):
        html = render("See https://example.com/a_b?x=1. Or www.example.org, or me@example.com.\n")
        assert '<a href="https://example.com/a_b?x=1"' in html
        assert '<a href="http://www.example.org"' in html
        assert '<a href="mailto:me@example.com"' in html

    def test_urls_in_code_stay_code(self):
        html = render("Run `curl https://example.com` then:\n\n```\nhttps://example.com\n```\n")
        assert "<a " not in html

    def test_table_directly_under_a_line_of_text(self):
        html = render("**Comparison:**\n| A | B |\n|---|---|\n| 1 | 2 |\n")
        assert "<p><strong>Comparison:</strong></p>\n<table>" in html
        assert html.count("<td>") == 2

    def test_pipes_without_a_delimiter_row_stay_text(self):
        html = render("Some text\n| not a table |\nmore\n")
        assert "<table>" not in html

    def test_fence_directly_under_a_line_of_text_leaves_the_paragraph(self):
        html = render("Run this:\n```python\nx = 1\n```\n")
        assert html.startswith('<p>Run this:</p>\n<div class="highlight">')
        assert "<p></p>" not in html

    @pytest.mark.parametrize(
        ("marker", "css", "title"),
        [
            ("NOTE", "note", "Note"),
            ("TIP", "tip", "Tip"),
            ("IMPORTANT", "important", "Important"),
            ("WARNING", "warning", "Warning"),
            ("CAUTION", "caution", "Caution"),
            ("note", "note", "Note"),
        ],
    )
    def test_github_alerts_become_admonitions(self, marker, css, title):
        html = render(f"> [!{marker}]\n> Read **this**.\n>\n> - and this\n")
        assert f'<div class="admonition {css}">' in html
        assert f'<p class="admonition-title">{title}</p>' in html
        assert "<p>Read <strong>this</strong>.</p>" in html
        assert "<li>and this</li>" in html
        assert "[!" not in html and "<blockquote>" not in html

    def test_consecutive_alerts_stay_apart_and_quotes_stay_quotes(self):
        html = render("> [!NOTE]\n> One.\n\n> [!WARNING]\n> Two.\n\n> A quote.\n")
        assert html.count('<div class="admonition') == 2
        assert "<blockquote>\n<p>A quote.</p>\n</blockquote>" in html

    def test_alert_inside_a_list_item_and_task_boxes_inside_alerts(self):
        text = "- Item\n\n  > [!TIP]\n  > - [ ] Try it\n"
        html = render(text)
        guide = render_guide("# T\n\n" + text, fallback_title="x")
        assert '<div class="admonition tip">' in html
        assert [task.text for task in guide.tasks] == ["Try it"]

    def test_any_info_string_opens_a_fence(self):
        # MyST directives (pip's documentation) and attributes GitHub does not know: a fence
        # whatever follows the backticks, as on GitHub; prose after it stays prose.
        text = (
            "```{versionadded} 10.0\n```\n\nSpecial characters are not valid.\n\n"
            '```{note}\nA note.\n```\n\n```js title="a.js" {1,3}\nlet a = 1;\n```\n\nAfter.\n'
        )
        html = render(text)
        assert "<p>Special characters are not valid.</p>" in html
        assert "<p>After.</p>" in html and "```" not in html
        assert html.count("<pre") == 3 and "A note." in html and "let" in html
        assert github_html(text).count("<pre") == 3  # as GitHub reads it

    def test_alert_syntax_in_code_is_left_alone(self):
        html = render("```markdown\n> [!NOTE]\n> Text\n```\n")
        assert "admonition" not in html
        assert "[!NOTE]" in html


# Where the portal deliberately differs from GitHub in the two corpora, by file and the source line
# of the GitHub block that shows more. Beyond these (and the mapped differences in
# gfm_structure: title H1, glossary sections as definition lists, `{#id}` on headings, glossary
# links to term anchors), the portal must show everything GitHub shows.
DELIBERATE = {
    ("learn-resources/BMADMethod.md", 560): (
        "a bare ``` right after a closing fence is a stray second closing fence: the portal drops "
        "it with a warning; GitHub opens a code block that swallows the rest of the guide"
    ),
    ("system-design-lab/docs/phase6-observability-monitoring/observability-monitoring.md", 1135): (
        "an indented ``` inside a ```markdown example is part of the example for the portal; "
        "GitHub lets it close the outer fence and shows the rest of the example as broken text"
    ),
    ("learn-resources/PipelineOrchestrationFrameworks.md", 648): (
        "a link inside another link's text ([[Benthos](#glossary) SDK](https://…)): "
        "Python-Markdown keeps the outer link, cmark-gfm the inner one"
    ),
    ("learn-resources/FlutterAndSupabaseLearning.md", 770): (
        "a URL glued to the word before it (KEY=https://…) is not linked: the GFM spec links "
        "URLs after whitespace or ( * _ ~ only; cmark-gfm's code is laxer than its spec"
    ),
}


def _corpus_files() -> list[tuple[str, Path]]:
    files = []
    for name in ("learn-resources", "system-design-lab"):
        root = CORPORA / name
        files += [(str(p.relative_to(CORPORA)), p) for p in sorted(root.rglob("*.md"))]
    return files


@pytest.mark.integration
def test_corpora_keep_every_structure_github_shows():
    if not (CORPORA / "learn-resources").is_dir() or not (CORPORA / "system-design-lab").is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"the test corpora are missing at {CORPORA}")
        pytest.skip(f"the test corpora are not at {CORPORA}")
    files = _corpus_files()
    assert len(files) > 70
    compared = 0
    unexpected: dict[tuple[str, int], list[tuple[str, str]]] = {}
    seen_deliberate = set()
    for relative, path in files:
        text = path.read_text(encoding="utf-8")
        guide = render_guide(text, fallback_title=path.stem)
        compared += len(features(github_html(text)))
        for line, lost in lost_regions(text, guide).items():
            if (relative, line) in DELIBERATE:
                seen_deliberate.add((relative, line))
            else:
                unexpected[(relative, line)] = [(f.kind, f.key[:60]) for f in lost][:5]
    assert compared > 20_000  # headings, items, cells, code blocks, links and task boxes
    assert unexpected == {}
    # Every listed difference still exists: the list never hides a fixed (or a new) one.
    assert seen_deliberate == set(DELIBERATE)


def test_structure_comparison_catches_a_loss():
    # The comparison itself: a `1)` list that stays a paragraph is a lost region.
    text = "# T\n\nIntro\n\n1) one\n2) two\n"
    guide = render_guide(text, fallback_title="x")
    assert lost_regions(text, guide) == {}
    paragraph = guide.__class__(
        **{**guide.__dict__, "body_html": "<p>Intro</p><p>1) one 2) two</p>"}
    )
    regions = lost_regions(text, paragraph)
    assert list(regions) == [5]
    assert [f.kind for f in regions[5]] == ["item", "item"]


def test_reference_links_whose_label_holds_code_link_as_on_github():
    """API documentation links its names by reference: ``[`EventEmitter`][]`` with the
    definition below. The label is looked up with its code span in it, as GitHub does."""
    html = render(
        "Streams are [`EventEmitter`][] instances; see [`fs.open()`] and ![`logo`][], "
        "[`a<b`][] and [`x`][explicit]. [`undefined`][] stays as written.\n\n"
        "[`EventEmitter`]: events.md#class-eventemitter\n"
        "[`fs.open()`]: fs.md#fsopen\n"
        "[`logo`]: logo.png\n"
        "[`a<b`]: compare.md\n"
        "[explicit]: https://example.com/x\n"
    )
    links = dict(re.findall(r'<a href="([^"]*)"[^>]*><code>([^<]*)</code></a>', html))
    assert links == {
        "events.md#class-eventemitter": "EventEmitter",
        "fs.md#fsopen": "fs.open()",
        "compare.md": "a&lt;b",
        "https://example.com/x": "x",
    }
    assert re.search(r'<img alt="logo" src="logo.png"', html)
    assert "[<code>undefined</code>][]" in html
