"""One glossary field (inline Markdown) to HTML, cached: the glossary, the flashcards and the
glossary pages all render the same fields."""

import functools
import re
import threading
from collections import OrderedDict

import markdown

from apps.core.html import sanitize_html
from apps.core.markdown_guard import neutralize_markdown
from apps.guides.rendering.parser import GatedInlineExtension
from apps.guides.rendering.results import RenderedTerm

_inline_state = threading.local()


# Text with none of these renders as itself: no need to run Markdown on it.
_INLINE_MARKUP = re.compile(r"[\\`*_\[\]<>&!#|~{}\n\t]|^\s|\s$|^\d+[.)](?:\s|$)|^[-+=]")


class _RecentlyUsed:
    """A map that keeps its `size` most recently used entries, safe across threads."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: str, value: str) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            if len(self._entries) > self._size:
                self._entries.popitem(last=False)


_inline_cache = _RecentlyUsed(16384)


def _inline(md_text: str) -> str:
    """Render one glossary field (inline Markdown) to HTML without the wrapping paragraph.

    Cached: the flashcards render the same fields again right after the import (in the
    importing process, which `inline_remember` gives what its render child computed)."""
    cached = _inline_cache.get(md_text)
    if cached is None:
        cached = _inline_render(md_text)
        _inline_cache.put(md_text, cached)
    return cached


def inline_remember(fields: dict[str, str]) -> None:
    """Take the rendered glossary fields of a `RenderedGuide` (its `inline_fields`, computed by
    `_inline` in the render child) into this process's cache."""
    for md_text, rendered in fields.items():
        _inline_cache.put(md_text, rendered)


def _inline_render(md_text: str) -> str:
    if not _INLINE_MARKUP.search(md_text):
        return md_text
    # Fields are one line (the glossary parser joins them); a newline could only start a block.
    one_line = neutralize_markdown(md_text.replace("\n", " "))
    # One parser per thread, reset between fields: building one costs more than the field
    # (about a third of an import's time went to thousands of `markdown.markdown` calls).
    md = getattr(_inline_state, "md", None)
    if md is None:
        md = _inline_state.md = markdown.Markdown(
            extensions=["extra", GatedInlineExtension()], output_format="html"
        )
    rendered = md.reset().convert(one_line).strip()
    if rendered.startswith("<p>") and rendered.endswith("</p>") and rendered.count("<p>") == 1:
        rendered = rendered[3:-4]
    return rendered


@functools.lru_cache(maxsize=16384)
def inline_html(md_text: str) -> str:
    """One glossary field as safe HTML, for pages other than the guide (flashcards, glossary)."""
    return sanitize_html(_inline(md_text))


def _inline_fields(terms: list[RenderedTerm]) -> dict[str, str]:
    """Each glossary field's HTML, handed to the importing process (see `inline_remember`)."""
    return {
        md_text: _inline(md_text)
        for term in terms
        for md_text in (term.description, term.use_when, term.like)
        if md_text
    }
