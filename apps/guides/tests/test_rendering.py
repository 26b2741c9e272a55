"""The renderer on its own: bad input, Markdown features, task keys and sanitising."""

import pytest

from apps.guides.rendering import GuideError, decode_guide, render_guide

LIMIT = 1024 * 1024


def render(text: str, title: str = "Fallback"):
    return render_guide(text, fallback_title=title)


class TestDecode:
    def test_invalid_utf8_is_a_clear_error_with_the_line(self):
        with pytest.raises(GuideError, match=r"not valid UTF-8: byte 0xff at line 2"):
            decode_guide(b"# Title\n\xff oops\n", max_bytes=LIMIT)

    def test_byte_order_mark_is_removed_with_a_warning(self):
        text, warnings = decode_guide(b"\xef\xbb\xbf# Title\n", max_bytes=LIMIT)
        assert text == "# Title\n"
        assert warnings == ["removed a UTF-8 byte-order mark"]

    def test_crlf_becomes_lf(self):
        text, warnings = decode_guide(b"# Title\r\n\r\nBody\r\n", max_bytes=LIMIT)
        assert text == "# Title\n\nBody\n"
        assert "converted CRLF line endings" in warnings

    def test_mojibake_is_repaired(self):
        broken = "# CafÃ© â€” notes ðŸ“Š\n"
        text, warnings = decode_guide(broken.encode("utf-8"), max_bytes=LIMIT)
        assert text == "# Café — notes 📊\n"
        assert any("mojibake" in warning for warning in warnings)

    def test_empty_file_is_an_error(self):
        with pytest.raises(GuideError, match="file is empty"):
            decode_guide(b"  \n\n", max_bytes=LIMIT)

    def test_file_over_the_size_limit_is_an_error(self):
        with pytest.raises(GuideError, match="over the 10-byte limit"):
            decode_guide(b"# A long title\n", max_bytes=10)


class TestStructure:
    def test_title_comes_from_h1_and_is_removed_from_the_body(self):
        guide = render("# My Guide {#top}\n\nIntro paragraph.\n\n## Part one\n\nText.\n")
        assert guide.title == "My Guide"
        assert "<h1" not in guide.body_html
        assert [s.title for s in guide.sections] == ["Part one"]

    def test_no_h1_uses_a_title_line_then_the_file_name(self):
        guide = render("A Plain Title Line\n\n## Section\n\nBody.\n")
        assert guide.title == "A Plain Title Line"
        assert any("no H1" in w for w in guide.warnings)
        guide = render("## Section\n\nBody text that is long enough.\n", title="Data Pipelines")
        assert guide.title == "Data Pipelines"

    def test_generic_first_h1_is_a_section_not_the_title(self):
        guide = render("# Executive Summary\n\nThe point.\n\n# Details\n\nMore.\n", title="Queues")
        assert guide.title == "Queues"
        assert [s.title for s in guide.sections] == ["Executive Summary", "Details"]
        assert "The point." in guide.summary_html

    def test_unclosed_fence_with_a_language_is_an_error(self):
        with pytest.raises(GuideError, match="code fence opened at line 3 is never closed"):
            render("# T\n\n```python\nprint(1)\n")

    def test_stray_bare_fence_is_dropped_with_a_warning(self):
        guide = render("# T\n\n```\ncode\n```\n```\n\n## After\n\nStill here.\n")
        assert "Still here." in guide.body_html
        assert guide.warnings == ["ignored a stray code fence at line 6"]

    def test_sections_have_stable_anchors_and_reading_time(self):
        body = " ".join(["word"] * 450)
        guide = render(
            f"# T\n\n## Executive Summary\n\nShort summary.\n\n## Deep Dive {{#deep}}\n\n{body}\n"
        )
        assert [(s.anchor, s.title) for s in guide.sections] == [
            ("executive-summary", "Executive Summary"),
            ("deep", "Deep Dive"),
        ]
        assert guide.summary_text == "Short summary."
        assert guide.reading_minutes == 3  # ~460 words at 220 words a minute
        assert '<a class="headerlink" href="#deep"' in guide.body_html

    def test_markdown_features_survive_sanitising(self):
        text = (
            "# T\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n\n"
            '!!! warning "Careful"\n    Admonition body.\n\n'
            "Footnote here.[^1]\n\n[^1]: The note.\n\n"
            "```python\ndef f():\n    return 1\n```\n\n"
            '```mermaid\nflowchart LR\n  A["x<y"] --> B\n```\n'
        )
        guide = render(text)
        html = guide.body_html
        assert "<table>" in html and 'style="text-align:right"' in html
        assert '<div class="admonition warning">' in html and "Careful" in html
        assert 'class="footnote' in html
        assert '<div class="highlight">' in html and '<span class="k">def</span>' in html
        assert '<pre class="mermaid">flowchart LR\n  A["x&lt;y"] --&gt; B</pre>' in html
        assert guide.diagrams == 1


class TestTasks:
    TEXT = (
        "# T\n\n## Exercises\n\n"
        "- [ ] Write the design doc\n"
        "  - [x] Draw the diagram\n"
        "  - [ ] Review it\n"
        "- [x] Ship it\n\n"
        "**Checklist:**\n- [ ] Directly after a paragraph\n"
    )

    def test_items_nest_and_record_state_and_section(self):
        guide = render(self.TEXT)
        assert [(t.text, t.depth, t.checked, t.section_anchor) for t in guide.tasks] == [
            ("Write the design doc", 0, False, "exercises"),
            ("Draw the diagram", 1, True, "exercises"),
            ("Review it", 1, False, "exercises"),
            ("Ship it", 0, True, "exercises"),
            ("Directly after a paragraph", 0, False, "exercises"),
        ]
        assert guide.tasks[1].parent_key == guide.tasks[0].key
        assert guide.body_html.count("<!--task:") == 5

    def test_keys_survive_edits_elsewhere_in_the_guide(self):
        before = {t.text: t.key for t in render(self.TEXT).tasks}
        edited = self.TEXT.replace("## Exercises", "## Intro\n\nNew words.\n\n## Exercises (v2)")
        edited = edited.replace("- [x] Ship it\n", "- [ ] Something new\n- [x] Ship it\n")
        after = {t.text: t.key for t in render(edited).tasks}
        for text, key in before.items():
            assert after[text] == key

    def test_identical_items_get_distinct_keys(self):
        guide = render("# T\n\n- [ ] Test it\n- [ ] Test it\n")
        assert len({t.key for t in guide.tasks}) == 2


class TestGlossaryLinks:
    TEXT = (
        "# T\n\nUse a [Broker](#glossary) between [Producers](#glossary)"
        " and a [Thing](#glossary).\n\n"
        "## Glossary\n\n| Term | Description | Use this when | Like |\n|---|---|---|---|\n"
        "| Broker | Routes messages | Decoupling | A post office |\n"
        "| Producer | Sends messages | Emitting events | A letter writer |\n\n"
        "## After the glossary\n\nKept.\n"
    )

    def test_links_point_at_the_term_and_terms_get_anchors(self):
        guide = render(self.TEXT)
        assert [t.term for t in guide.terms] == ["Broker", "Producer"]
        assert '<a href="#term-broker"' in guide.body_html
        assert '<a href="#term-producer"' in guide.body_html  # plural resolved
        assert '<a href="#glossary"' in guide.body_html  # unknown term left as written
        assert '<div class="glossary-entry" id="term-broker"><dt>Broker</dt>' in guide.body_html
        assert "<strong>Like:</strong> A post office" in guide.body_html
        assert "Kept." in guide.body_html


class TestSanitising:
    HOSTILE = (
        "# Evil <script>alert(1)</script>\n\n"
        "<script>alert('x')</script>\n\n"
        '<img src="x" onerror="alert(1)">\n\n'
        "[click](javascript:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=)\n\n"
        '<iframe src="https://evil.example"></iframe>\n\n'
        '<div style="position:fixed;top:0;left:0;width:100%;height:100%">overlay</div>\n\n'
        '<a href="https://ok.example" onclick="steal()">fine link</a>\n\n'
        '<form action="https://evil.example"><input name="password"></form>\n\n'
        '<svg onload="alert(1)"><use href="#x"/></svg>\n\n'
        "<style>body{display:none}</style>\n\n"
        "```mermaid\n%%{init: {'securityLevel': 'loose'}}%%\nflowchart LR\n  A --> B\n```\n"
    )

    def test_hostile_guide_is_neutralised(self):
        html = render(self.HOSTILE).body_html.lower()
        for forbidden in (
            "<script", "onerror", "onclick", "onload", "javascript:", "data:text", "<iframe",
            "position:fixed", "position: fixed", "<form", "<input", "<svg", "<style",
        ):  # fmt: skip
            assert forbidden not in html, forbidden
        assert (
            '<a href="https://ok.example" rel="noopener noreferrer nofollow">fine link</a>' in html
        )
        assert "overlay" in html  # the text stays, the styling goes

    def test_title_is_plain_text(self):
        assert render(self.HOSTILE).title == "Evil alert(1)"
