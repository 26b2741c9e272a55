"""Markdown guide → sanitised HTML, sections, glossary terms and task items, done once at import.

Nothing here touches the database: `render_guide` is a pure function of the text, which keeps it
testable and lets the importer decide what to write. One module per part of a render:

- `pipeline`: `_render_guide`, the render as its list of steps, in this process;
- `child`: `render_guide` and `guide_files_render`, the same in a time-limited child process;
- `source`: the source lines before Markdown (decoding, fences, lists);
- `outline`: title, sections, table of contents, summary;
- `terms`: the guide's glossary blocks, links to them and their HTML;
- `tasks`: exercises collected from the Markdown tree, with stable keys;
- `markers`: the stored form of an exercise's tick box, filled in per reader;
- `parser`: the Markdown parser and its extensions;
- `inline`: one glossary field to HTML, cached;
- `results`: what a render produces.

Other apps import from here, not from the modules.
"""

from apps.guides.rendering.child import FileRender, guide_files_render, render_guide
from apps.guides.rendering.inline import inline_html, inline_remember
from apps.guides.rendering.markers import (
    STORED_TASK_MARKER,
    TASK_MARKER,
    guide_body_anonymous,
    stored_task_marker,
)
from apps.guides.rendering.outline import H2_SPLIT, SUMMARY_TITLES, TAG, humanize_filename
from apps.guides.rendering.pipeline import RENDERER_VERSION, _render_guide
from apps.guides.rendering.results import (
    GuideError,
    RenderedGuide,
    RenderedSection,
    RenderedTask,
    RenderedTerm,
)
from apps.guides.rendering.source import (
    HEADING_LINE,
    LIST_ITEM,
    UnclosedFence,
    decode_guide,
    fence_ranges,
    normalize_lists,
)
from apps.guides.rendering.tasks import HEADING_TAGS, STASH, normalize_task_text, task_key
from apps.guides.rendering.terms import GLOSSARY_LINK, TERM_FIELD_MAX_CHARS, term_anchor

__all__ = [
    "GLOSSARY_LINK",
    "H2_SPLIT",
    "HEADING_LINE",
    "HEADING_TAGS",
    "LIST_ITEM",
    "RENDERER_VERSION",
    "STASH",
    "STORED_TASK_MARKER",
    "SUMMARY_TITLES",
    "TAG",
    "TASK_MARKER",
    "TERM_FIELD_MAX_CHARS",
    "FileRender",
    "GuideError",
    "RenderedGuide",
    "RenderedSection",
    "RenderedTask",
    "RenderedTerm",
    "UnclosedFence",
    "_render_guide",
    "decode_guide",
    "fence_ranges",
    "guide_body_anonymous",
    "guide_files_render",
    "humanize_filename",
    "inline_html",
    "inline_remember",
    "normalize_lists",
    "normalize_task_text",
    "render_guide",
    "stored_task_marker",
    "task_key",
    "term_anchor",
]
