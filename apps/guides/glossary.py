"""Extract glossary entries from Markdown study guides.

Guides are hand-written (or LLM-written) Markdown, and every author formats
the glossary differently: tables, ``### Term`` headings with field bullets,
``**Term**: definition`` lines, bold terms followed by a paragraph, terms
grouped under alphabetical or topical sub-headings, and so on.  This module
turns all of those into a flat list of :class:`ParsedTerm` per glossary
section, without depending on Django so it can be used from importers,
management commands and tests alike.

The parser is a small line-oriented state machine rather than a full
Markdown AST: the Markdown library does not expose source line numbers, and
the heuristics below (what counts as a "term heading" versus a "category
heading") are about layout, which is easiest to judge on raw lines.  Only
ATX (``#``) headings are recognised; none of the guides use setext headings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from apps.core.markdown_lines import atx_heading, fenced_lines

__all__ = ["GlossaryBlock", "ParsedTerm", "find_glossaries"]


@dataclass(frozen=True)
class ParsedTerm:
    term: str
    description: str
    use_when: str
    like: str
    line: int  # 1-based line number where the term starts


@dataclass(frozen=True)
class GlossaryBlock:
    start: int  # 0-based index of the glossary heading line
    end: int  # 0-based index one past the last line of the section
    level: int  # heading level of the glossary heading (1-6)
    terms: tuple[ParsedTerm, ...]


# --------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------

_Field = Literal["description", "use_when", "like"]

# Field labels used by the different guide templates.  Keys are normalised
# (lower case, single spaces, no trailing colon).
_FIELD_ALIASES: dict[str, _Field] = {
    "description": "description",
    "definition": "description",
    "meaning": "description",
    "what it is": "description",
    "what is it": "description",
    "use this when": "use_when",
    "use when": "use_when",
    "when to use": "use_when",
    "when to use it": "use_when",
    "use case": "use_when",
    "use cases": "use_when",
    "user scenario": "use_when",
    "scenario": "use_when",
    "like": "like",
    "analogy": "like",
    "think of it as": "like",
}

_TERM_COLUMNS = frozenset({"term", "terms", "name", "concept", "keyword", "acronym"})

# Bold labels that introduce notes rather than terms.  Without this list a
# trailing "**References:** ..." paragraph at the end of a glossary would be
# imported as a term called "References".
_NOT_TERMS = frozenset(
    {
        "note",
        "notes",
        "tip",
        "tips",
        "warning",
        "important",
        "example",
        "examples",
        "source",
        "sources",
        "reference",
        "references",
        "see also",
        "related",
        "related documents",
        "key points",
        "key takeaways",
        "summary",
        "tl;dr",
    }
)

# --------------------------------------------------------------------------
# Line-level regular expressions
# --------------------------------------------------------------------------

_TABLE_SEP_CELL_RE = re.compile(r":?-{2,}:?")
_THEMATIC_BREAK_RE = re.compile(r"^ {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$")
_BULLET_RE = re.compile(r"^(?P<indent>\s*)[-*+](?:[ \t]+|$)")
_ORDERED_RE = re.compile(r"^\s*\d{1,3}[.)][ \t]+")
_LETTER_GROUP_RE = re.compile(r"^(?:[A-Za-z0-9#]|[A-Za-z0-9]\s*[-\u2013\u2014]\s*[A-Za-z0-9])$")

# A bold name that must not itself contain "**"; this keeps
# "**Term**: text with **bold** in it" from matching across the second pair.
_NAME = r"(?P<name>(?:[^*]|\*(?!\*))+?)"
_LABEL_COLON_INSIDE_RE = re.compile(r"^\*\*" + _NAME + r"\s*:\*\*[ \t]*(?P<value>.*)$")
_LABEL_SEP_OUTSIDE_RE = re.compile(
    r"^\*\*" + _NAME + r"\*\*[ \t]*(?::|[-\u2013\u2014](?=\s))[ \t]*(?P<value>.*)$"
)
# "**Term**", "**AMQP** (Advanced ...)" or "**Term** {#anchor}" alone on a line.
_LABEL_OWN_LINE_RE = re.compile(
    r"^\*\*" + _NAME + r"\*\*(?P<suffix>[ \t]*(?:\([^()]*\))?)"
    r"(?:[ \t]*\{[#.][^}]*\})?[ \t]*$"
)
# Plain "Definition: ..." inside a bullet (field name outside any bold).
_PLAIN_FIELD_RE = re.compile(r"^(?P<name>[A-Za-z][A-Za-z' ]{0,30}?)[ \t]*:[ \t]*(?P<value>.*)$")

# Inline Markdown stripping for plain-text term names.
_IMAGE_RE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK_RE = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_REF_LINK_RE = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_STRONG_RE = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_EM_STAR_RE = re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])")
_EM_UNDERSCORE_RE = re.compile(r"(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)")
_HTML_TAG_RE = re.compile(r"</?[A-Za-z][^>]*>")
_ESCAPE_RE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|~<>])")
# "Glossary" must be the thing the heading names ("Glossary", "Comprehensive
# Glossary", "Glossary & Key Concepts", "Glossary of Terms"), not a modifier
# of another noun ("Glossary Best Practices", "Glossary Term Linking"), which
# marks a section *about* glossaries.
_GLOSSARY_WORD_RE = re.compile(
    r"\bglossar(?:y|ies)\b(?!\s+(?!(?:and|of|terms)\b)[A-Za-z])", re.IGNORECASE
)


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------


# Term names and heading titles are short; the emphasis and link patterns below rescan the rest
# of the text for every opener, so they only ever see this many characters.
_INLINE_MAX_CHARS = 1000
_EMPHASIS_MARKS = str.maketrans("", "", "*_`")
# A bold label's closing "**" must come within this many characters.
_LABEL_MAX_CHARS = 300


def _strip_attr_suffix(text: str) -> str:
    """Drop a trailing ``{#anchor}`` or ``{.class}`` attribute list (a scan, not a pattern:
    ``\\s*`` around it backtracked quadratically on a long run of spaces)."""
    stripped = text.rstrip()
    opening = stripped.rfind("{")
    if (
        not stripped.endswith("}")
        or opening < 0
        or stripped[opening + 1 : opening + 2] not in ("#", ".")
        or "}" in stripped[opening:-1]
    ):
        return text
    return stripped[:opening].rstrip()


def _is_table_separator(line: str) -> bool:
    """``| --- | :-: |`` and friends, cell by cell (linear in the line)."""
    row = line.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|"):
        row = row[:-1]
    cells = row.split("|")
    return all(_TABLE_SEP_CELL_RE.fullmatch(cell.strip()) for cell in cells)


def _strip_inline(text: str) -> str:
    """Reduce inline Markdown to plain text (for term names and headings)."""
    text = _strip_attr_suffix(text[:_INLINE_MAX_CHARS])
    text = _IMAGE_RE.sub(r"\1", text)
    text = _LINK_RE.sub(r"\1", text)
    text = _REF_LINK_RE.sub(r"\1", text)
    text = _HTML_TAG_RE.sub("", text)
    # Emphasis is stripped repeatedly so "***x***" and nested markers vanish.
    for _ in range(3):
        stripped = _STRONG_RE.sub(r"\2", text)
        stripped = _EM_STAR_RE.sub(r"\1", stripped)
        stripped = _EM_UNDERSCORE_RE.sub(r"\1", stripped)
        if stripped == text:
            break
        text = stripped
    text = text.replace("`", "")
    text = _ESCAPE_RE.sub(r"\1", text)
    return " ".join(text.split())


def _clean_term(raw: str) -> str:
    name = _strip_inline(raw)
    # "**Term:**" and "### Term:" both mean "Term".
    return name.rstrip(":").strip()


def _norm_label(raw: str) -> str:
    return " ".join(_strip_inline(raw).lower().rstrip(":").split())


def _field_for(raw_name: str) -> _Field | None:
    return _FIELD_ALIASES.get(_norm_label(raw_name))


def _is_blank(line: str) -> bool:
    return not line.strip()


def _indent(line: str) -> int:
    return len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip())


@dataclass(frozen=True)
class _Heading:
    level: int
    title: str  # raw Markdown title


def _heading(line: str) -> _Heading | None:
    parsed = atx_heading(line)
    if parsed is None:
        return None
    return _Heading(level=parsed[0], title=parsed[1])


def _is_glossary_title(title: str) -> bool:
    # Headings such as "### **[Agent](#glossary) Commands**" only *link* to the
    # glossary; stripping link targets and attribute lists first means only
    # visible text is considered. Most headings do not contain the word at all.
    if "glossar" not in title.translate(_EMPHASIS_MARKS).casefold():
        return False
    return bool(_GLOSSARY_WORD_RE.search(_strip_inline(title)))


def _is_letter_group(title: str) -> bool:
    return bool(_LETTER_GROUP_RE.match(_strip_inline(title)))


@dataclass(frozen=True)
class _Label:
    """A line that starts with a bold label: ``**Name**: value`` and friends."""

    name: str  # raw Markdown of the name (no trailing colon)
    value: str  # text after the separator; '' for own-line labels
    own_line: bool  # True for "**Name**" alone on its line
    bulleted: bool
    indent: int


def _label(line: str) -> _Label | None:
    indent = _indent(line)
    body = line.strip()
    bullet = _BULLET_RE.match(body)
    if bullet:
        body = body[bullet.end() :]
    if not body.startswith("**") or not 2 < body.find("**", 2) <= _LABEL_MAX_CHARS:
        return None
    m = _LABEL_COLON_INSIDE_RE.match(body) or _LABEL_SEP_OUTSIDE_RE.match(body)
    if m:
        return _Label(m.group("name"), m.group("value").strip(), False, bool(bullet), indent)
    m = _LABEL_OWN_LINE_RE.match(body)
    if m:
        name = (m.group("name") + m.group("suffix")).strip()
        return _Label(name, "", True, bool(bullet), indent)
    return None


def _field_line(line: str) -> tuple[str, str] | None:
    """Return ``(raw_field_name, value)`` if the line looks like a field.

    Any bold ``Name: value`` bullet qualifies (the caller decides whether
    the name is a known field); plain ``- Name: value`` bullets only count
    when the name is a known field, otherwise every bullet sentence with a
    colon would be mistaken for one.
    """
    lab = _label(line)
    if lab is not None:
        if lab.own_line:
            return None
        return lab.name, lab.value
    stripped = line.strip()
    bullet = _BULLET_RE.match(stripped)
    if bullet:
        m = _PLAIN_FIELD_RE.match(stripped[bullet.end() :])
        if m and _field_for(m.group("name")):
            return m.group("name"), m.group("value").strip()
    return None


def _is_known_field_line(line: str) -> bool:
    f = _field_line(line)
    return f is not None and _field_for(f[0]) is not None


def _is_table_start(lines: list[str], i: int, stop: int) -> bool:
    return (
        i + 1 < stop
        and "|" in lines[i]
        and "|" in lines[i + 1]
        and _is_table_separator(lines[i + 1])
    )


def _split_row(line: str) -> list[str]:
    row = line.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    # "\|" is an escaped pipe inside a cell (GFM), including inside code spans.
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", row)]


def _join(parts: list[str]) -> str:
    """Join body lines into one line of inline Markdown.

    Paragraph lines are joined with spaces.  List items are kept readable by
    separating them with "; " (the bullet markers themselves are dropped,
    ordered-list numbers kept because the order often matters).
    """
    out = ""
    in_list = False
    paragraph_break = False
    for raw in parts:
        if _is_blank(raw):
            paragraph_break = True
            continue
        text = raw.strip()
        bullet = _BULLET_RE.match(text)
        is_item = bool(bullet) or bool(_ORDERED_RE.match(text))
        if bullet:
            text = text[bullet.end() :].strip()
        leaves_list = in_list and not is_item and (paragraph_break or _indent(raw) == 0)
        if not text:
            pass
        elif not out:
            out = text
        elif is_item:
            out += ("; " if in_list else " ") + text
        elif leaves_list:
            # End the list like a sentence so the following paragraph does
            # not read as part of the last item.
            out += (" " if out[-1] in ".!?:;" else ". ") + text
        else:
            out += " " + text
        if is_item:
            in_list = True
        elif leaves_list:
            in_list = False
        paragraph_break = False
    return out.strip()


# --------------------------------------------------------------------------
# Section parser
# --------------------------------------------------------------------------

_Kind = Literal["end", "heading", "table", "fields", "entries", "bullets", "paragraph", "other"]


class _SectionParser:
    """Parse the lines of one glossary section into terms.

    ``stop`` may shrink while parsing (see :meth:`_subheading`), so callers
    read it back afterwards to get the real end of the section.
    """

    def __init__(self, lines: list[str], code: list[bool], start: int, stop: int) -> None:
        self.lines = lines
        self.code = code
        self.start = start
        self.stop = stop
        self.terms: list[ParsedTerm] = []
        self.seen_subheading = False

    # -- scanning helpers -------------------------------------------------

    def _next_content(self, i: int) -> int:
        """Index of the next non-blank, non-code line at or after ``i``."""
        while i < self.stop and (self.code[i] or _is_blank(self.lines[i])):
            i += 1
        return i

    def _is_entry_start(self, line: str) -> bool:
        lab = _label(line)
        if lab is None or lab.indent > 1:
            return False
        if lab.own_line and lab.bulleted:
            return False
        norm = _norm_label(lab.name)
        return norm not in _NOT_TERMS and norm not in _FIELD_ALIASES

    def _classify(self, i: int) -> _Kind:
        """Describe what kind of content starts at the next content line."""
        j = self._next_content(i)
        if j >= self.stop:
            return "end"
        line = self.lines[j]
        if _heading(line):
            return "heading"
        if _is_table_start(self.lines, j, self.stop):
            return "table"
        if _is_known_field_line(line):
            return "fields"
        if self._is_entry_start(line):
            return "entries"
        if _BULLET_RE.match(line):
            return "bullets"
        if _ORDERED_RE.match(line) or _THEMATIC_BREAK_RE.match(line):
            return "other"
        if line.lstrip().startswith((">", "<", "|")):
            return "other"
        return "paragraph"

    def _add(self, name: str, line_idx: int, fields: dict[str, str]) -> None:
        term = _clean_term(name)
        if not term:
            return
        self.terms.append(
            ParsedTerm(
                term=term,
                description=fields.get("description", "").strip(),
                use_when=fields.get("use_when", "").strip(),
                like=fields.get("like", "").strip(),
                line=line_idx + 1,
            )
        )

    # -- main loop --------------------------------------------------------

    def parse(self) -> None:
        i = self.start + 1
        while i < self.stop:
            if self.code[i] or _is_blank(self.lines[i]):
                i += 1
                continue
            line = self.lines[i]
            heading = _heading(line)
            if heading is not None:
                i = self._subheading(i, heading)
            elif _is_table_start(self.lines, i, self.stop):
                i = self._table(i)
            elif self._is_entry_start(line):
                i = self._label_entry(i)
            else:
                i += 1

    def _subheading(self, i: int, heading: _Heading) -> int:
        if _is_glossary_title(heading.title):
            # A nested glossary heading is reported as its own block.
            self.stop = i
            return i
        kind = self._classify(i + 1)
        if not self.seen_subheading and self.terms and kind in ("paragraph", "bullets", "other"):
            # The glossary listed its entries directly under its own heading,
            # so a following prose sub-section is really the next chapter
            # with a mis-levelled heading (e.g. "# Glossary & Key Concepts"
            # followed by "## Iceberg Catalogs ...").  End the section here.
            self.stop = i
            return i
        self.seen_subheading = True
        if _is_letter_group(heading.title):
            return i + 1
        if kind in ("fields", "paragraph"):
            return self._term_body(i, heading.title, kind)
        if kind in ("bullets", "other"):
            # Prose, Q&A lists, "what to learn next" ... under a heading that
            # is neither a term nor a category: skip it wholesale so bold
            # lines inside it are not mistaken for terms.
            j = i + 1
            while j < self.stop and (self.code[j] or not _heading(self.lines[j])):
                j += 1
            return j
        # Category heading ("### Storage Concepts"): its entries follow.
        return i + 1

    def _label_entry(self, i: int) -> int:
        lab = _label(self.lines[i])
        if lab is None:  # pragma: no cover - callers check _is_entry_start first
            return i + 1
        if not lab.own_line:
            return self._inline_entry(i, lab)
        kind = self._classify(i + 1)
        if kind in ("fields", "paragraph", "bullets"):
            return self._term_body(i, lab.name, kind)
        # A bold line followed by further bold entries is a category label
        # ("**xDS APIs**" followed by "- **LDS**: ..."); one followed by
        # nothing useful (e.g. "**[Return to Top](#top)**") is decoration.
        return i + 1

    def _inline_entry(self, i: int, lab: _Label) -> int:
        """``**Term**: definition`` (optionally bulleted) plus continuations."""
        parts = [lab.value]
        j = i + 1
        while j < self.stop:
            line = self.lines[j]
            if self.code[j]:
                break
            if _is_blank(line):
                # Only a bulleted entry can own indented paragraphs that
                # follow a blank line (they belong to the list item).
                k = self._next_content(j)
                if (
                    lab.bulleted
                    and k < self.stop
                    and not self.code[k]
                    and _indent(self.lines[k]) > lab.indent + 1
                ):
                    parts.append("")
                    j = k
                    continue
                break
            if (
                _heading(line)
                or _THEMATIC_BREAK_RE.match(line)
                or _is_table_start(self.lines, j, self.stop)
                or (self._is_entry_start(line) and _indent(line) <= lab.indent)
            ):
                break
            parts.append(line)
            j += 1
        self._add(lab.name, i, {"description": _join(parts)})
        return j

    def _term_body(self, i: int, name: str, kind: _Kind) -> int:
        if kind == "fields":
            return self._fields_body(i, name)
        return self._prose_body(i, name)

    def _fields_body(self, i: int, name: str) -> int:
        """Field bullets: ``- **Description**: ...``, ``- **Like**: ...``."""
        fields: dict[str, list[str]] = {}
        extras: list[str] = []
        current: list[str] | None = None
        field_indent = 0
        j = i + 1
        while j < self.stop:
            line = self.lines[j]
            if self.code[j]:
                j += 1
                continue
            if _is_blank(line):
                k = self._next_content(j)
                if k >= self.stop:
                    j = k
                    break
                nxt = self.lines[k]
                # Fields separated by blank lines, or indented continuation
                # paragraphs, still belong to this term.
                if _is_known_field_line(nxt) or (
                    current is not None and _indent(nxt) > field_indent
                ):
                    if current is not None:
                        current.append("")
                    j = k
                    continue
                break
            if _heading(line) or _THEMATIC_BREAK_RE.match(line):
                break
            field = _field_line(line)
            if field is not None and _indent(line) <= field_indent + 1:
                key = _field_for(field[0])
                if key is None and not _BULLET_RE.match(line.strip()):
                    # An unbulleted, unknown bold label is the next term.
                    break
                field_indent = _indent(line)
                if key is None:
                    # Unknown extra fields are kept, as "Name: value", at the
                    # end of the description so no information is lost.
                    extras.append(f"{_clean_term(field[0])}: {field[1]}".strip())
                    current = None
                    j += 1
                    continue
                current = fields.setdefault(key, [])
                if current:
                    current.append("")
                current.append(field[1])
                j += 1
                continue
            lab = _label(line)
            if lab is not None and lab.own_line and not lab.bulleted:
                break  # next "**Term**"
            if current is None:
                if extras and _indent(line) > field_indent:
                    extras[-1] += " " + line.strip()
                    j += 1
                    continue
                break
            current.append(line)
            j += 1
        values = {key: _join(parts) for key, parts in fields.items()}
        if extras:
            values["description"] = " ".join(filter(None, [values.get("description", ""), *extras]))
        self._add(name, i, values)
        return j

    def _prose_body(self, i: int, name: str) -> int:
        """A description paragraph (plus its lists and follow-up paragraphs)."""
        parts: list[str] = []
        j = i + 1
        while j < self.stop:
            line = self.lines[j]
            if self.code[j]:
                j += 1
                continue
            if (
                _heading(line)
                or _THEMATIC_BREAK_RE.match(line)
                or _is_table_start(self.lines, j, self.stop)
            ):
                break
            if not _BULLET_RE.match(line) and self._is_entry_start(line):
                # Bulleted "**X**: y" lines inside a description are sub-items
                # of this term; an unbulleted bold label starts the next term.
                break
            parts.append(line)
            j += 1
        self._add(name, i, {"description": _join(parts)})
        return j

    def _table(self, i: int) -> int:
        header = [_norm_label(c) for c in _split_row(self.lines[i])]
        columns: dict[str, int] = {}
        for idx, title in enumerate(header):
            if title in _TERM_COLUMNS:
                columns.setdefault("term", idx)
            elif title in _FIELD_ALIASES:
                columns.setdefault(_FIELD_ALIASES[title], idx)
        j = i + 2
        while j < self.stop and not self.code[j] and "|" in self.lines[j]:
            j += 1
        if "term" not in columns:
            if "description" not in columns:
                return j  # some other table (comparison, metadata ...)
            # "| Acronym-ish | Description |": the term is the first
            # column that is not a known field.
            used = set(columns.values())
            free = [idx for idx in range(len(header)) if idx not in used]
            if not free:
                return j
            columns["term"] = free[0]
        for row_idx in range(i + 2, j):
            cells = _split_row(self.lines[row_idx])
            values = {key: cells[idx] if idx < len(cells) else "" for key, idx in columns.items()}
            self._add(values.pop("term"), row_idx, values)
        return j


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def find_glossaries(text: str) -> list[GlossaryBlock]:
    """Return every glossary section in ``text`` that yields at least one term.

    ``text`` must already be normalised (``\\n`` line endings, no BOM).
    """
    lines = text.split("\n")
    # An opening fence that is never closed is text, not the rest of the document: LLM-written
    # guides sometimes nest fences (a fenced "expected output" holding another fence), leaving
    # one stray fence behind, and SuperFences, which renders the guides, only reads closed ones.
    code = fenced_lines(lines, unclosed="ignored")
    headings: list[tuple[int, _Heading]] = []
    for idx, line in enumerate(lines):
        if not code[idx]:
            h = _heading(line)
            if h is not None:
                headings.append((idx, h))

    blocks: list[GlossaryBlock] = []
    for pos, (idx, heading) in enumerate(headings):
        if not _is_glossary_title(heading.title):
            continue
        if blocks and idx < blocks[-1].end:
            continue  # defensive: never report overlapping blocks
        stop = next(
            (later for later, h in headings[pos + 1 :] if h.level <= heading.level),
            len(lines),
        )
        parser = _SectionParser(lines, code, idx, stop)
        parser.parse()
        if parser.terms:
            blocks.append(
                GlossaryBlock(
                    start=idx, end=parser.stop, level=heading.level, terms=tuple(parser.terms)
                )
            )
    return blocks
