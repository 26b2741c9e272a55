"""The guide parser's own inline processor renders exactly what Python-Markdown's does."""

import os
from pathlib import Path

import pytest
from markdown import treeprocessors

from apps.guides.rendering import parser as parser_module
from apps.guides.rendering.inline import _inline_render, _inline_state
from apps.guides.rendering.pipeline import _render_guide

CORPORA = Path(__file__).resolve().parents[3].parent / "shared" / "corpus"

# Inline Markdown where the order of patterns, a pattern rejecting its first match, a match
# further on and excluded ancestors all matter.
EDGES = """# Edges

**[agent](#glossary) framework** and *[x](y)* then ***both*** and __under__ ~~gone~~ ==mark==.
`code with **stars**` and a [link with `code`](https://example.com "t") and ![alt *x*](i.png).
<https://example.com> <mail@example.com> https://bare.example.com/path?q=1 www.example.org.
a*b*c 2 * 3 * 4 snake_case_word [not a link] [ref][] [ref]: not here \\*escaped\\* &amp; &copy;
Footnote[^1] and an abbr HTML.

[^1]: The note with **bold**.
*[HTML]: Hyper Text

| a **b** | `c` |
|---|---|
| [d](e) | f_g_h |

- [ ] task with **bold** and [link](x)
- [x] done ~~old~~
"""


def _rendered(text: str) -> tuple[str, list]:
    guide = _render_guide(text, fallback_title="Fallback")
    return guide.body_html, [t.text for t in guide.tasks]


@pytest.fixture
def stock_inline(monkeypatch):
    """The parsers built with Python-Markdown's own inline processor."""

    def stock(self, md):
        md.treeprocessors.register(treeprocessors.InlineProcessor(md), "inline", 20)

    monkeypatch.setattr(parser_module.GatedInlineExtension, "extendMarkdown", stock)
    monkeypatch.delattr(parser_module._guide_state, "md", raising=False)
    monkeypatch.delattr(_inline_state, "md", raising=False)
    yield
    monkeypatch.delattr(parser_module._guide_state, "md", raising=False)
    monkeypatch.delattr(_inline_state, "md", raising=False)


def _sources() -> list[str]:
    texts = [EDGES]
    if (CORPORA / "learn-resources").is_dir() and (CORPORA / "system-design-lab").is_dir():
        for name in ("learn-resources", "system-design-lab"):
            texts += [p.read_text(encoding="utf-8") for p in sorted((CORPORA / name).rglob("*.md"))]
    elif os.environ.get("CI"):
        pytest.fail(f"the test corpora are missing at {CORPORA}")
    return texts


def test_the_guide_parser_uses_the_gated_inline_processor():
    md = parser_module._guide_markdown()
    assert type(md.treeprocessors["inline"]) is parser_module._GatedInlineProcessor
    # What it replaces still has the private method it overrides (renamed in an upgrade, the
    # override would silently do nothing).
    assert hasattr(treeprocessors.InlineProcessor, "_InlineProcessor__handleInline")
    assert hasattr(treeprocessors.InlineProcessor, "_InlineProcessor__applyPattern")


@pytest.mark.integration
def test_gated_inline_processor_renders_what_the_stock_one_does(request):
    texts = _sources()
    gated = [_rendered(text) for text in texts]
    fields = [_inline_render(line) for line in EDGES.splitlines() if line]
    request.getfixturevalue("stock_inline")
    assert type(parser_module._guide_markdown().treeprocessors["inline"]) is (
        treeprocessors.InlineProcessor
    )
    assert [_rendered(text) for text in texts] == gated
    assert [_inline_render(line) for line in EDGES.splitlines() if line] == fields
    assert "<strong><a" in gated[0][0]  # a pattern after a match of another one still applies
