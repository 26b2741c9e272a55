"""The guide's Markdown parser: its extensions and their configuration, one per thread."""

import html
import threading
from typing import Any

import markdown

from apps.core.markdown_guard import neutralize_markdown, strip_mermaid_config
from apps.guides.gfm import GfmExtension
from apps.guides.rendering.tasks import _TaskExtension


def _mermaid_fence(source: str, language: str, css_class: str, options: Any, md: Any, **kw) -> str:
    # Kept as text for Mermaid to render in the browser (securityLevel strict); escaped here,
    # and without init directives or front-matter config that would restyle the page.
    return f'<pre class="mermaid">{html.escape(strip_mermaid_config(source))}</pre>'


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
        ],
        extension_configs={
            "toc": {"permalink": "#", "permalink_title": "Link to this section", "toc_depth": 6},
            "pymdownx.highlight": {
                "use_pygments": True,
                "guess_lang": False,
                "css_class": "highlight",
            },
            "pymdownx.superfences": {
                "custom_fences": [
                    {"name": "mermaid", "class": "mermaid", "format": _mermaid_fence},
                ]
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
