"""The guide's Markdown parser: its extensions and their configuration, one per thread."""

import html
import threading
from typing import Any

import markdown
from markdown import inlinepatterns, treeprocessors, util
from markdown.extensions import Extension

from apps.core.markdown_guard import neutralize_markdown, strip_mermaid_config
from apps.guides.gfm import GfmExtension
from apps.guides.rendering.tasks import _TaskExtension


def _mermaid_fence(source: str, language: str, css_class: str, options: Any, md: Any, **kw) -> str:
    # Kept as text for Mermaid to render in the browser (securityLevel strict); escaped here,
    # and without init directives or front-matter config that would restyle the page.
    return f'<pre class="mermaid">{html.escape(strip_mermaid_config(source))}</pre>'


class _GatedInlineProcessor(treeprocessors.InlineProcessor):
    """Python-Markdown's inline processor, trying each pattern's regular expression before the
    call that applies it. The stock loop calls its `__applyPattern` for every pair of text and
    pattern (18 patterns here) and almost none match: the call, its checks and the registry
    lookup cost several times the search itself, about a tenth of a guide's render (learn-
    resources: 173,000 calls). A pattern whose expression finds nothing is passed over as that
    call would pass it over: not matched, the next one starting at 0. The output is identical
    (tests/test_parser.py renders both corpora both ways)."""

    def run(self, tree: Any, ancestors: list[str] | None = None) -> Any:
        self._patterns = list(self.inlinePatterns)  # in priority order
        return super().run(tree, ancestors)

    # Replaces the name-mangled `InlineProcessor.__handleInline` of the pinned Python-Markdown
    # (a test fails if an upgrade renames it).
    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        if isinstance(data, util.AtomicString):
            return data
        patterns = self._patterns
        apply = self._InlineProcessor__applyPattern  # type: ignore[attr-defined]
        start = 0
        while patternIndex < len(patterns):
            pattern = patterns[patternIndex]
            # Only InlineProcessor patterns search from `start`; a legacy Pattern is applied.
            if (
                isinstance(pattern, inlinepatterns.InlineProcessor)
                and pattern.getCompiledRegExp().search(data, start) is None
            ):
                patternIndex, start = patternIndex + 1, 0
                continue
            data, matched, start = apply(pattern, data, patternIndex, start)
            if not matched:
                patternIndex += 1
        return data


class GatedInlineExtension(Extension):
    """Registers `_GatedInlineProcessor` in the stock one's place (same name and priority)."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.treeprocessors.register(_GatedInlineProcessor(md), "inline", 20)


_guide_state = threading.local()


def _guide_markdown() -> markdown.Markdown:
    """This thread's guide parser, reset for a new document. Building one (sixteen extensions)
    cost 3 ms a guide; reset() is Python-Markdown's way to reuse it: every extension with
    per-document state registers a reset, and the task collector starts over in its run."""
    md = getattr(_guide_state, "md", None)
    if md is None:
        md = _guide_state.md = _markdown()
    return md.reset()


def _markdown() -> markdown.Markdown:
    return markdown.Markdown(
        extensions=[
            "extra",
            "admonition",
            "sane_lists",
            "toc",
            "pymdownx.superfences",
            "pymdownx.highlight",
            "pymdownx.details",
            "pymdownx.tilde",
            "pymdownx.mark",
            # GitHub reads these too: `1)` lists (after sane_lists, whose list parsers it
            # replaces), bare URLs, and the rest of GFM in a pre-pass (apps/guides/gfm.py).
            "pymdownx.fancylists",
            "pymdownx.magiclink",
            GfmExtension(),
            _TaskExtension(),
            GatedInlineExtension(),
        ],
        extension_configs={
            "toc": {"permalink": "#", "permalink_title": "Link to this section", "toc_depth": 6},
            "pymdownx.highlight": {
                "use_pygments": True,
                "guess_lang": False,
                "css_class": "highlight",
            },
            "pymdownx.superfences": {
                # Any info string opens a fence, as on GitHub (CommonMark): "```{note}" (MyST),
                # "```js title=a.js". Strict, such a line was text and the next ``` opened a
                # fence that swallowed the prose after it.
                "relaxed_headers": True,
                "custom_fences": [
                    {"name": "mermaid", "class": "mermaid", "format": _mermaid_fence},
                ],
            },
            "pymdownx.tilde": {"subscript": False},
            # Decimal only, like GitHub: "A. Something" and "i. something" stay paragraphs.
            "pymdownx.fancylists": {"additional_ordered_styles": []},
            "pymdownx.magiclink": {"repo_url_shortener": False, "social_url_shortener": False},
        },
        output_format="html",
    )


def _converted(lines: list[str]) -> tuple[markdown.Markdown, str]:
    """Markdown → HTML, guarded against the inputs that make Python-Markdown slow; the parser
    is returned for what its extensions collected (headings, tasks)."""
    md = _guide_markdown()
    return md, md.convert(neutralize_markdown("\n".join(lines)))
