"""One render, as its list of steps. Nothing here touches the database: `_render_guide` is a
pure function of the text, which keeps it testable and lets the importer decide what to write."""

import hashlib
import math

from apps.guides.rendering.inline import _inline_fields
from apps.guides.rendering.markers import _sanitized_with_task_markers
from apps.guides.rendering.outline import (
    _content_toc,
    _plain_text,
    _sections,
    _summary,
    _title_taken,
    _toc_entries,
)
from apps.guides.rendering.parser import _converted
from apps.guides.rendering.results import RenderedGuide
from apps.guides.rendering.source import _source_lines
from apps.guides.rendering.tasks import _rendered_tasks, _TaskCollector
from apps.guides.rendering.terms import (
    _glossaries_inserted,
    _glossaries_placed,
    _glossary_links_resolved,
)

# Part of every content hash: bump it when rendering changes so the next import re-renders.
RENDERER_VERSION = "9"


def _render_guide(text: str, *, fallback_title: str, words_per_minute: int = 220) -> RenderedGuide:
    """Render normalised guide text. Raises GuideError for structural problems.

    Each step below is a function of its own; the source lines are edited in place (the title
    and glossary blocks taken out, glossary links resolved) before Markdown sees them."""
    warnings: list[str] = []
    lines, in_fence = _source_lines(text, warnings)
    title = _title_taken(lines, in_fence, fallback_title=fallback_title, warnings=warnings)
    glossaries = _glossaries_placed(lines, in_fence)
    _glossary_links_resolved(lines, glossaries.terms)
    md, body = _converted(lines)
    body = _glossaries_inserted(body, glossaries)
    collector: _TaskCollector = md.treeprocessors["portal-tasks"]  # type: ignore[assignment]
    body = _sanitized_with_task_markers(body, collector.tasks)
    toc = _content_toc(md.toc_tokens)
    intro, sections = _sections(body, toc)
    summary_html = _summary(intro, sections)
    words = len(_plain_text(body).split())
    return RenderedGuide(
        title=title[:300],
        summary_html=summary_html,
        summary_text=_plain_text(summary_html),
        body_html=body,
        toc=_toc_entries(toc),
        sections=sections,
        tasks=_rendered_tasks(collector.tasks, sections),
        terms=glossaries.terms,
        diagrams=body.count('<pre class="mermaid">'),
        word_count=words,
        reading_minutes=max(1, math.ceil(words / words_per_minute)),
        content_hash=hashlib.sha256(f"{RENDERER_VERSION}\n{text}".encode()).hexdigest(),
        warnings=warnings,
        inline_fields=_inline_fields(glossaries.terms),
    )
