"""Markdown guide → sanitised HTML, sections, glossary terms and task items, done once at import.

Nothing here touches the database: `render_guide` is a pure function of the text, which keeps it
testable and lets the importer decide what to write.
"""

import functools
import hashlib
import html
import math
import re
import threading
import unicodedata
import xml.etree.ElementTree as etree
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import markdown
from django.conf import settings
from django.utils.text import slugify
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from apps.core.html import content_id, sanitize_html
from apps.core.markdown_guard import (
    RenderFailed,
    neutralize_markdown,
    run_each_with_time_limit,
    run_with_time_limit,
    strip_mermaid_config,
)
from apps.core.markdown_lines import (
    NotUtf8,
    atx_heading,
    code_fences,
    decode_markdown,
    strip_attribute_list,
)
from apps.guides.gfm import GfmExtension
from apps.guides.glossary import GlossaryBlock, ParsedTerm, find_glossaries
from apps.guides.mermaid_lint import mermaid_warnings


class GuideError(Exception):
    """A guide that cannot be imported; the message is shown to the user as the reason."""


@dataclass(frozen=True)
class RenderedSection:
    anchor: str
    title: str
    position: int
    html: str
    text: str


@dataclass(frozen=True)
class RenderedTask:
    key: str
    text: str
    section_anchor: str
    parent_key: str
    depth: int
    position: int
    checked: bool
    heading: str = ""  # the nearest heading above, of any level: "Capstone Project"


@dataclass(frozen=True)
class RenderedTerm:
    anchor: str
    term: str
    description: str
    use_when: str
    like: str
    position: int


@dataclass
class RenderedGuide:
    title: str
    summary_html: str
    summary_text: str
    body_html: str
    toc: list[dict[str, Any]]
    sections: list[RenderedSection]
    tasks: list[RenderedTask]
    terms: list[RenderedTerm]
    diagrams: int
    word_count: int
    reading_minutes: int
    content_hash: str
    warnings: list[str] = field(default_factory=list)
    # The HTML (not yet sanitised) of each glossary field, rendered for the glossary here: the
    # flashcards render the same fields again in the importing process, which is handed these
    # (`inline_remember`) instead of rendering them a second time.
    inline_fields: dict[str, str] = field(default_factory=dict)


class _HeadingLine:
    """`HEADING_LINE.match(line)`: whether `line` is an ATX heading (`atx_heading`'s rule)."""

    @staticmethod
    def match(line: str) -> bool:
        return atx_heading(line) is not None


HEADING_LINE = _HeadingLine()
GLOSSARY_LINK = re.compile(r"\[(?P<text>[^\]\n]+)\]\(#glossary\)", re.IGNORECASE)
STASH = re.compile(r"\x02wzxhzdk:\d+\x03")
TAG = re.compile(r"<[^>]+>")
HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
H2_SPLIT = re.compile(r'(?=<h[12] id="[^"]+")')
# The sanitiser gives the marker's id the content prefix (taskbox- ids belong to the page).
TASK_MARKER = re.compile(
    r'<span class="task-box" id="user-content-taskbox-(?P<key>[0-9a-f]{16})"></span>'
)
# What the stored body keeps where an exercise's tick goes: each reader's page fills it in (the
# progress app for a signed-in learner, `guide_body_anonymous` for everyone else).
STORED_TASK_MARKER = re.compile(r"<!--task:(?P<key>[0-9a-f]{16})-->")
# Part of every content hash: bump it when rendering changes so the next import re-renders.
RENDERER_VERSION = "9"
# Term fields are rendered again outside the time-limited child (flashcards), so they are capped.
TERM_FIELD_MAX_CHARS = 5_000
SUMMARY_TITLES = ("executive summary", "summary", "tl;dr", "tldr", "overview", "introduction")


def decode_guide(raw: bytes, *, max_bytes: int) -> tuple[str, list[str]]:
    """Bytes from disk → normalised text, or GuideError with a reason a person can act on."""
    if len(raw) > max_bytes:
        raise GuideError(f"file is {len(raw):,} bytes, over the {max_bytes:,}-byte limit")
    try:
        text, warnings = decode_markdown(raw)
    except NotUtf8 as error:
        raise GuideError(str(error)) from None
    if not text.strip():
        raise GuideError("file is empty")
    return text, warnings


def fence_ranges(lines: list[str]) -> list[tuple[int, int]]:
    """Line ranges [start, end] of fenced code blocks; GuideError for one never closed."""
    fences = code_fences(lines)
    if fences and not fences[-1].closed:
        raise UnclosedFence(fences[-1].start)
    return [(fence.start, fence.end) for fence in fences]


class UnclosedFence(GuideError):
    def __init__(self, line: int) -> None:
        self.line = line
        super().__init__(f"code fence opened at line {line + 1} is never closed")


def _fences_or_repair(lines: list[str], warnings: list[str]) -> list[tuple[int, int]]:
    """A bare ``` with nothing after it that never closes is a stray closing fence typed
    twice: dropping it is what the author meant. A fence with a language that never
    closes would swallow the rest of the guide, so that is an error."""
    while True:
        try:
            return fence_ranges(lines)
        except UnclosedFence as error:
            if lines[error.line].strip().strip("`~"):
                raise
            warnings.append(f"ignored a stray code fence at line {error.line + 1}")
            lines[error.line] = ""


LIST_ITEM = re.compile(r"^(?P<indent> *)(?P<marker>[-*+]|\d{1,9}[.)])(?P<space> +|$)")


def normalize_lists(lines: list[str], fences: list[tuple[int, int]]) -> list[str]:
    """Re-indent nested lists to the four spaces Python-Markdown needs (guides are written
    for GitHub, which also nests at two or three), and open a list that directly follows a
    paragraph line, as GitHub does."""
    fence_end = dict(fences)
    out: list[str] = []
    # Each open list item: (original indent, original content column, new content column).
    stack: list[tuple[int, int, int]] = []
    previous_blank = True
    number = 0
    while number < len(lines):
        line = lines[number]
        indent = len(line) - len(line.lstrip(" "))
        if number in fence_end:
            # A fence inside a list item moves with the item's content.
            owner = next((e for e in reversed(stack) if e[0] < indent), None) if indent else None
            delta = (owner[2] - owner[1]) if owner else 0
            out.extend(_shift(fenced, delta) for fenced in lines[number : fence_end[number] + 1])
            number = fence_end[number] + 1
            previous_blank = False
            continue
        number += 1
        if not line.strip():
            out.append(line)
            previous_blank = True
            continue
        match = LIST_ITEM.match(line)
        if match and not (indent >= 4 and not stack):
            while stack and stack[-1][0] >= indent:
                stack.pop()
            if stack and indent <= stack[-1][0] + 1:
                stack.pop()
            new_indent = stack[-1][2] if stack else 0
            if not stack and not previous_blank and out and not LIST_ITEM.match(out[-1]):
                out.append("")
            content_original = indent + len(match["marker"]) + len(match["space"] or " ")
            stack.append((indent, content_original, new_indent + 4))
            out.append(" " * new_indent + line[indent:])
        elif stack and indent == 0 and previous_blank:
            stack = []
            out.append(line)
        elif stack and indent > 0:
            owner = next((e for e in reversed(stack) if e[0] < indent), stack[0])
            out.append(" " * (owner[2] + max(0, indent - owner[1])) + line[indent:])
        else:
            out.append(line)
        previous_blank = False
    return out


def _shift(line: str, delta: int) -> str:
    if delta >= 0:
        return " " * delta + line
    strip = min(-delta, len(line) - len(line.lstrip(" ")))
    return line[strip:]


def normalize_task_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[`*_~\[\]()]", "", text)
    return re.sub(r"\s+", " ", text).strip()


def task_key(*, parent_text: str, text: str, occurrence: int) -> str:
    # The key depends on the item's own words, its parent's and how many identical siblings
    # came before it; edits elsewhere in the guide leave it unchanged.
    basis = f"{normalize_task_text(parent_text)}\x1f{normalize_task_text(text)}\x1f{occurrence}"
    return hashlib.sha256(basis.encode()).hexdigest()[:16]


def term_anchor(term: str) -> str:
    return "term-" + (slugify(term) or hashlib.sha256(term.encode()).hexdigest()[:8])


class _TaskCollector(Treeprocessor):
    """Turns `[ ]`/`[x]` list items into keyed placeholders and records them in order."""

    CHECKBOX = re.compile(r"^ *\[(?P<state>[xX ])\] +", re.DOTALL)

    def __init__(self, md: markdown.Markdown) -> None:
        super().__init__(md)
        # Markdown skips tree processors for an empty document, so start empty here.
        self.tasks: list[dict[str, Any]] = []

    def run(self, root: etree.Element) -> None:
        self.tasks = []
        self.occurrences: dict[tuple[str, str], int] = {}
        self.h2_count = 0
        self.heading = ""
        self._walk(root, parent_text="", depth=0)

    def _walk(self, element: etree.Element, *, parent_text: str, depth: int) -> None:
        for child in element:
            if child.tag in ("h1", "h2"):
                self.h2_count += 1
            if child.tag in HEADING_TAGS:
                self.heading = re.sub(r"\s+", " ", STASH.sub("", "".join(child.itertext()))).strip()
            if child.tag == "li" and (item := self._task(child, parent_text, depth)):
                self._walk(child, parent_text=item, depth=depth + 1)
            else:
                self._walk(child, parent_text=parent_text, depth=depth)

    def _task(self, li: etree.Element, parent_text: str, depth: int) -> str | None:
        holder = li
        if not li.text and len(li) and li[0].tag == "p":
            holder = li[0]
        match = self.CHECKBOX.match(holder.text or "")
        if match is None:
            return None
        holder.text = (holder.text or "")[match.end() :]
        text = _item_text(li)
        normalized = (normalize_task_text(parent_text), normalize_task_text(text))
        occurrence = self.occurrences.get(normalized, 0)
        self.occurrences[normalized] = occurrence + 1
        key = task_key(parent_text=parent_text, text=text, occurrence=occurrence)
        marker = self.md.htmlStash.store(f'<span class="task-box" id="taskbox-{key}"></span>')
        holder.text = marker + (holder.text or "")
        li.set("class", (li.get("class", "") + " task-list-item").strip())
        self.tasks.append(
            {
                "key": key,
                "text": text,
                "checked": match["state"] in "xX",
                "depth": depth,
                "section_index": self.h2_count,
                "parent_text": parent_text,
                "heading": self.heading,
            }
        )
        return text


def _item_text(li: etree.Element) -> str:
    """Visible text of a list item without its nested lists."""
    parts: list[str] = []

    def collect(element: etree.Element, top: bool) -> None:
        if not top and element.tag in ("ul", "ol"):
            return
        if element.text:
            parts.append(element.text)
        for child in element:
            collect(child, False)
            if child.tail:
                parts.append(child.tail)

    collect(li, True)
    text = STASH.sub("", "".join(parts))
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


class _TaskExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.treeprocessors.register(_TaskCollector(md), "portal-tasks", 25)


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
        md = _inline_state.md = markdown.Markdown(extensions=["extra"], output_format="html")
    rendered = md.reset().convert(one_line).strip()
    if rendered.startswith("<p>") and rendered.endswith("</p>") and rendered.count("<p>") == 1:
        rendered = rendered[3:-4]
    return rendered


@functools.lru_cache(maxsize=16384)
def inline_html(md_text: str) -> str:
    """One glossary field as safe HTML, for pages other than the guide (flashcards, glossary)."""
    return sanitize_html(_inline(md_text))


def _with_anchor(line: str, anchor: str) -> str:
    if HEADING_LINE.match(line):
        return strip_attribute_list(line) + f" {{#{anchor}}}"
    match = re.match(r"^(\s*(?:\||[-*+]\s+|\d+[.)]\s+)?\s*)", line)
    prefix = match.group(1) if match else ""
    return f'{prefix}<span id="{anchor}" class="glossary-anchor"></span>{line[len(prefix) :]}'


def _glossary_html(terms: list[RenderedTerm], id_prefix: str = "", extra_class: str = "") -> str:
    rows = []
    for term in terms:
        parts = [
            f'<div class="glossary-entry" id="{id_prefix}{term.anchor}">',
            f"<dt>{html.escape(term.term)}</dt>",
        ]
        if term.description:
            parts.append(f'<dd class="glossary-description">{_inline(term.description)}</dd>')
        if term.use_when:
            parts.append(
                '<dd class="glossary-use"><strong>Use this when:</strong> '
                f"{_inline(term.use_when)}</dd>"
            )
        if term.like:
            parts.append(
                f'<dd class="glossary-like"><strong>Like:</strong> {_inline(term.like)}</dd>'
            )
        parts.append("</div>")
        rows.append("".join(parts))
    return f'<dl class="glossary{extra_class}">' + "".join(rows) + "</dl>"


def _plain_text(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(TAG.sub(" ", fragment))).strip()


def _term_lookup(terms: list[RenderedTerm]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for term in terms:
        name = term.term.casefold()
        for variant in (name, name + "s", name + "es", re.sub(r"\s*\(.*?\)\s*", " ", name).strip()):
            lookup.setdefault(variant, term.anchor)
    return lookup


def _link_target(text: str, lookup: dict[str, str]) -> str | None:
    candidate = re.sub(r"[*_`]", "", text).strip().casefold()
    for variant in (candidate, candidate.removesuffix("s"), candidate.removesuffix("es")):
        if variant in lookup:
            return lookup[variant]
    return None


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


def _source_lines(text: str, warnings: list[str]) -> tuple[list[str], set[int]]:
    """The pre-pass: fences repaired or refused first (everything after relies on knowing what
    is code), Mermaid checked, lists re-indented the way Python-Markdown needs; returns the
    lines and the numbers of those inside fenced code."""
    lines = text.split("\n")
    fences = _fences_or_repair(lines, warnings)
    warnings.extend(mermaid_warnings(lines, fences))
    lines = normalize_lists(lines, fences)
    return lines, _fenced_lines(fence_ranges(lines))


def _fenced_lines(fences: list[tuple[int, int]]) -> set[int]:
    in_fence: set[int] = set()
    for start, end in fences:
        in_fence.update(range(start, end + 1))
    return in_fence


def _title_taken(
    lines: list[str], in_fence: set[int], *, fallback_title: str, warnings: list[str]
) -> str:
    """The guide's name, taken out of the body so the page does not show it twice: the first
    H1, else a short first line standing alone, else the file's name (with a warning)."""
    title = _h1_title(lines, in_fence, fallback_title=fallback_title, warnings=warnings)
    if not title:
        title = _first_line_title(lines, in_fence, fallback_title=fallback_title, warnings=warnings)
    return title


def _h1_title(
    lines: list[str], in_fence: set[int], *, fallback_title: str, warnings: list[str]
) -> str:
    for number, line in enumerate(lines):
        if number in in_fence:
            continue
        h1 = atx_heading(line) if line.startswith("#") else None
        if h1 and h1[0] == 1 and h1[1]:
            heading = _plain_text(_inline(strip_attribute_list(h1[1])))
            if heading.casefold().strip(" :") in (*SUMMARY_TITLES, "table of contents"):
                # "# Executive Summary" opens some guides: a section, not the guide's name.
                warnings.append(
                    f"first H1 is {heading!r}: titled {fallback_title!r} after the file name"
                )
                return fallback_title
            lines[number] = ""
            return heading
    return ""


def _first_line_title(
    lines: list[str], in_fence: set[int], *, fallback_title: str, warnings: list[str]
) -> str:
    first = next((n for n, line in enumerate(lines) if line.strip()), None)
    candidate = lines[first].strip() if first is not None else ""
    if (
        first is not None
        and first not in in_fence
        and len(candidate) <= 150
        and not LIST_ITEM.match(candidate)
        and not candidate.startswith(("#", "|", ">", "!", "<", "`", "~"))
        and (first + 1 == len(lines) or not lines[first + 1].strip())
    ):
        title = _plain_text(_inline(candidate))
        lines[first] = ""
        warnings.append(f"no H1 heading: used the first line {title!r} as the title")
        return title
    warnings.append(f"no H1 heading: titled {fallback_title!r} after the file name")
    return fallback_title


@dataclass
class _Glossaries:
    terms: list[RenderedTerm]  # every term of the guide, in order
    block_terms: list[list[RenderedTerm]]  # each glossary block's terms
    inline_blocks: set[int]  # the blocks kept as written (they hold code or diagrams)


def _glossaries_placed(lines: list[str], in_fence: set[int]) -> _Glossaries:
    """Glossaries: parse terms from the source, then swap each block's body for a placeholder
    that becomes a uniform definition list, so every term has an anchor whatever format it
    used."""
    blocks: list[GlossaryBlock] = find_glossaries("\n".join(lines))
    terms: list[RenderedTerm] = []
    seen_anchors: set[str] = set()
    block_terms: list[list[RenderedTerm]] = []
    for block in blocks:
        rendered_terms = []
        for parsed in block.terms:
            rendered_terms.append(_rendered_term(parsed, len(terms), seen_anchors))
            terms.append(rendered_terms[-1])
        block_terms.append(rendered_terms)
    term_line = {
        term.anchor: parsed.line - 1
        for block, rendered_terms in zip(blocks, block_terms, strict=True)
        for parsed, term in zip(block.terms, rendered_terms, strict=True)
    }
    inline_blocks: set[int] = set()
    # From the last block up, so that the line numbers of the blocks above stay true.
    for index, block in reversed(list(enumerate(blocks))):
        end = _glossary_end(block, lines, in_fence)
        if any(n in in_fence for n in range(block.start + 1, end)):
            # A "glossary" that also holds diagrams or code is an explanatory chapter: keep it
            # as written and pin each term's anchor where its entry starts.
            inline_blocks.add(index)
            for term in reversed(block_terms[index]):
                number = term_line[term.anchor]
                lines[number] = _with_anchor(lines[number], term.anchor)
            continue
        lines[block.start + 1 : end] = ["", f"PORTALGLOSSARY{index}X", ""]
    return _Glossaries(terms=terms, block_terms=block_terms, inline_blocks=inline_blocks)


def _glossary_end(block: GlossaryBlock, lines: list[str], in_fence: set[int]) -> int:
    """Where the block's entries end: prose sub-sections after the last entry (some glossaries
    end with "What to learn next") start at a heading, and they stay as written."""
    if not block.terms:
        return block.end
    last = block.terms[-1].line  # 1-based: the entry's own line is lines[last - 1]
    return next(
        (n for n in range(last, block.end) if n not in in_fence and HEADING_LINE.match(lines[n])),
        block.end,
    )


def _glossary_links_resolved(lines: list[str], terms: list[RenderedTerm]) -> None:
    """`[cache](#glossary)` points at the term's own entry when the guide defines it (guides
    link the glossary section; the reader wants the definition). Not in code."""
    lookup = _term_lookup(terms)
    in_fence = _fenced_lines(fence_ranges(lines))

    def link(match: re.Match[str]) -> str:
        if match.string.count("`", 0, match.start()) % 2:
            return match[0]  # inside a code span: shown as written
        anchor = _link_target(match["text"], lookup)
        return f"[{match['text']}](#{anchor})" if anchor else match[0]

    for number, line in enumerate(lines):
        if number not in in_fence and "](#glossary)" in line.casefold():
            lines[number] = GLOSSARY_LINK.sub(link, line)


def _converted(lines: list[str]) -> tuple[markdown.Markdown, str]:
    """Markdown → HTML, guarded against the inputs that make Python-Markdown slow; the parser
    is returned for what its extensions collected (headings, tasks)."""
    md = _guide_markdown()
    return md, md.convert(neutralize_markdown("\n".join(lines)))


def _glossaries_inserted(body: str, glossaries: _Glossaries) -> str:
    """Each placeholder becomes its block's definition list; a block kept as written gets its
    definitions appended, hidden, for the in-place popover (the anchors live in the text)."""
    for index, rendered_terms in enumerate(glossaries.block_terms):
        if index in glossaries.inline_blocks:
            body += _glossary_html(rendered_terms, id_prefix="def-", extra_class=" glossary--data")
        else:
            body = body.replace(f"<p>PORTALGLOSSARY{index}X</p>", _glossary_html(rendered_terms))
    return body


def _sanitized_with_task_markers(body: str, tasks: list[dict[str, Any]]) -> str:
    """Sanitise, then swap each exercise's box for the stored marker each reader's page fills
    in; a box the collector did not make (typed into the guide as HTML) is dropped."""
    body = sanitize_html(body)
    keys = {task["key"] for task in tasks}
    return TASK_MARKER.sub(lambda m: stored_task_marker(m["key"]) if m["key"] in keys else "", body)


def _content_toc(toc_tokens: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every heading's token, flattened, with the same id the sanitiser gave the heading."""
    toc = _flatten_toc(toc_tokens)
    for toc_token in toc:
        toc_token["id"] = content_id(toc_token["id"])
    return toc


def _sections(body: str, toc: list[dict[str, Any]]) -> tuple[str, list[RenderedSection]]:
    """The body cut at each H1/H2: the intro before the first, and one section each (what the
    reading progress and search count in)."""
    h2_tokens = [token for token in toc if token["level"] <= 2]
    chunks = H2_SPLIT.split(body)
    intro, section_chunks = (chunks[0], chunks[1:]) if chunks else ("", [])
    return intro, [
        _section(chunk, position, h2_tokens) for position, chunk in enumerate(section_chunks)
    ]


def _section(chunk: str, position: int, h2_tokens: list[dict[str, Any]]) -> RenderedSection:
    anchor_match = re.match(r'<h[12] id="([^"]+)"', chunk)
    anchor = anchor_match.group(1) if anchor_match else f"section-{position + 1}"
    token = next((t for t in h2_tokens if t["id"] == anchor), None)
    section_title = _plain_text(token["name"]) if token else _plain_text(chunk.split("</h")[0])
    return RenderedSection(
        anchor=anchor,
        title=section_title.rstrip("#").strip(),
        position=position,
        html=chunk,
        text=_plain_text(re.split(r"</h[12]>", chunk, maxsplit=1)[-1]),
    )


def _rendered_tasks(
    collected: list[dict[str, Any]], sections: list[RenderedSection]
) -> list[RenderedTask]:
    """The collector's items with their section and parent resolved (a parent is the nearest
    earlier item with the parent's text), and their text capped for storage."""
    anchors_by_index = {index + 1: section.anchor for index, section in enumerate(sections)}
    return [
        RenderedTask(
            key=task["key"],
            text=task["text"][:1000],
            section_anchor=anchors_by_index.get(task["section_index"], ""),
            parent_key=_parent_key(collected, position),
            depth=task["depth"],
            position=position,
            checked=task["checked"],
            heading=task["heading"][:200],
        )
        for position, task in enumerate(collected)
    ]


def _parent_key(collected: list[dict[str, Any]], position: int) -> str:
    parent_text = collected[position]["parent_text"]
    if not parent_text:
        return ""
    parent = next((t for t in reversed(collected[:position]) if t["text"] == parent_text), None)
    return parent["key"] if parent else ""


def _toc_entries(toc: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The page's table of contents: headings down to H3, as plain text."""
    return [
        {"id": t["id"], "name": _plain_text(t["name"]).rstrip("#").strip(), "level": t["level"]}
        for t in toc
        if t["level"] <= 3
    ]


def _inline_fields(terms: list[RenderedTerm]) -> dict[str, str]:
    """Each glossary field's HTML, handed to the importing process (see `inline_remember`)."""
    return {
        md_text: _inline(md_text)
        for term in terms
        for md_text in (term.description, term.use_when, term.like)
        if md_text
    }


def render_guide(
    text: str,
    *,
    fallback_title: str,
    words_per_minute: int = 220,
    time_limit: float | None = None,
) -> RenderedGuide:
    """Render normalised guide text in a child process with a time limit (settings'
    GUIDE_RENDER_SECONDS unless `time_limit` is given). Raises GuideError, and nothing else,
    for a guide that cannot be rendered: a structural problem, too slow, too deeply nested."""
    if time_limit is None:
        time_limit = settings.GUIDE_RENDER_SECONDS
    try:
        return run_with_time_limit(
            _render_guide,
            text,
            fallback_title=fallback_title,
            words_per_minute=words_per_minute,
            seconds=time_limit,
        )
    except RenderFailed as error:
        raise GuideError(str(error)) from None


# (error, text, rendered): the reason a file failed, or its decoded text and what it renders to.
FileRender = tuple[str, str, "RenderedGuide | None"]


def _file_render(
    raw: bytes, fallback_title: str, words_per_minute: int, max_bytes: int
) -> FileRender:
    try:
        text, warnings = decode_guide(raw, max_bytes=max_bytes)
    except GuideError as error:
        return str(error), "", None
    rendered = _render_guide(text, fallback_title=fallback_title, words_per_minute=words_per_minute)
    rendered.warnings[:0] = warnings
    return "", text, rendered


def guide_files_render(
    files: Sequence[tuple[bytes, str]],
    *,
    words_per_minute: int,
    max_bytes: int,
    time_limit: float | None = None,
) -> Iterator[FileRender]:
    """Decode and render each (raw bytes, fallback title), in order, each bounded like
    `render_guide`, in one child process for the lot (see `run_each_with_time_limit`), which
    starts rendering before this returns."""
    if time_limit is None:
        time_limit = settings.GUIDE_RENDER_SECONDS
    calls = [(raw, title, words_per_minute, max_bytes) for raw, title in files]
    return _file_outcomes(run_each_with_time_limit(_file_render, calls, seconds=time_limit))


def _file_outcomes(outcomes: Iterator["FileRender | RenderFailed"]) -> Iterator[FileRender]:
    try:
        for outcome in outcomes:
            yield (str(outcome), "", None) if isinstance(outcome, RenderFailed) else outcome
    finally:
        outcomes.close()  # type: ignore[attr-defined]


def _rendered_term(parsed: ParsedTerm, position: int, seen: set[str]) -> RenderedTerm:
    anchor = base = term_anchor(parsed.term)
    suffix = 2
    # An anchor the page uses itself ("term-popover") is numbered like a duplicate.
    while anchor in seen or content_id(anchor) != anchor:
        anchor, suffix = f"{base}-{suffix}", suffix + 1
    seen.add(anchor)
    return RenderedTerm(
        anchor=anchor,
        term=parsed.term[:200],
        description=parsed.description[:TERM_FIELD_MAX_CHARS],
        use_when=parsed.use_when[:TERM_FIELD_MAX_CHARS],
        like=parsed.like[:TERM_FIELD_MAX_CHARS],
        position=position,
    )


def _flatten_toc(tokens: list[dict[str, Any]]) -> list[dict[str, Any]]:
    flat: list[dict[str, Any]] = []
    for token in tokens:
        flat.append(token)
        flat.extend(_flatten_toc(token.get("children", [])))
    return flat


def _summary(intro: str, sections: list[RenderedSection]) -> str:
    for section in sections:
        if section.title.casefold().strip(" 0123456789.)") in SUMMARY_TITLES:
            paragraphs = re.findall(r"<p>.*?</p>", section.html, re.DOTALL)
            if paragraphs:
                return "".join(paragraphs[:2])
    paragraphs = re.findall(r"<p>.*?</p>", intro, re.DOTALL)
    return "".join(paragraphs[:2])


def humanize_filename(stem: str) -> str:
    """'DataPipelineSystemDesign' → 'Data Pipeline System Design'; 'url-shortener' too.

    Used for titles and slugs when a guide has no usable H1."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", stem)
    spaced = re.sub(r"[-_]+", " ", spaced)
    return re.sub(r"\s+", " ", spaced).strip().title() if spaced.islower() else spaced.strip()


__all__ = [
    "GuideError",
    "RenderedGuide",
    "decode_guide",
    "humanize_filename",
    "render_guide",
]


def stored_task_marker(key: str) -> str:
    """The comment `STORED_TASK_MARKER` finds, written at import time for exercise `key`."""
    return f"<!--task:{key}-->"


def guide_body_anonymous(*, body_html: str) -> str:
    """A stored body for a reader without progress (signed out, or the admin's preview): an
    empty box where each exercise's tick would be, keeping its `taskbox-` anchor."""
    return STORED_TASK_MARKER.sub(
        lambda m: f'<span id="taskbox-{m["key"]}" class="task-box" aria-hidden="true"></span>',
        body_html,
    )
