"""Stored guide HTML → the units search returns: the guide, its sections down to H3, its terms.

A pure function of the rendered HTML: no database here, so the importer's signal receiver and
the index-building migration share it. The text kept is what a reader sees as prose: code
blocks, diagram source, heading permalinks and markup never reach the index or a snippet.
"""

import html as html_lib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from typing import Any

SECTION_LEVELS = {"h1": 1, "h2": 2, "h3": 3}
# Elements whose content is not prose: code and diagram source, scripts, inline SVG.
SKIPPED = {"pre", "script", "style", "svg", "template", "math"}
# Tags after which words must not run together ("</td><td>" is a word break).
BREAKS = {
    "p",
    "div",
    "li",
    "td",
    "th",
    "tr",
    "br",
    "dt",
    "dd",
    "blockquote",
    "h4",
    "h5",
    "h6",
    "table",
    "ul",
    "ol",
    "hr",
    "section",
    "details",
    "summary",
    "figcaption",
}
VOID = {"br", "hr", "img", "input", "meta", "link", "wbr", "col", "area", "source"}
# Sections that only list other headings: they would match every query.
LISTING_TITLES = {"table of contents", "contents", "toc", "index"}
SPACES = re.compile(r"\s+")
BODY_MAX_CHARS = 60_000


@dataclass
class IndexedSection:
    anchor: str
    title: str
    level: int
    context: str  # the headings above it, "Part 1 \u203a Kafka"
    position: int
    body: str


@dataclass
class _Open:
    anchor: str
    level: int
    title: list[str] = field(default_factory=list)
    body: list[str] = field(default_factory=list)


class _SectionParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[_Open] = [_Open(anchor="", level=0)]
        self.skip_depth = 0
        self.skip_stack: list[str] = []
        self.in_heading: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            self._break(tag)
            return
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if self.skip_stack or tag in SKIPPED or "headerlink" in classes or "mermaid" in classes:
            self.skip_stack.append(tag)
            return
        if tag in SECTION_LEVELS and attributes.get("id"):
            self.sections.append(_Open(anchor=attributes["id"] or "", level=SECTION_LEVELS[tag]))
            self.in_heading = tag
            return
        self._break(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.skip_stack:
            if tag == self.skip_stack[-1]:
                self.skip_stack.pop()
            return
        if tag == self.in_heading:
            self.in_heading = None
            return
        self._break(tag)

    def handle_data(self, data: str) -> None:
        if self.skip_stack:
            return
        current = self.sections[-1]
        (current.title if self.in_heading else current.body).append(data)

    def _break(self, tag: str) -> None:
        if tag in BREAKS and not self.skip_stack:
            self.sections[-1].body.append(" ")


# The HTML the importer stores is nh3's serialisation: lower-case tags, attribute values in
# double quotes, no CDATA, doctype or processing instruction. For it, a regular expression finds
# the same tags html.parser does, several times faster; anything else goes to html.parser.
_TAG = re.compile(
    r'<(?:!--.*?-->|(/?)([a-z][a-z0-9]*)((?:\s+[^\s"\'>/=]+(?:="[^"]*")?)*)\s*>)', re.DOTALL
)
_ATTRIBUTE = re.compile(r'([^\s"\'>/=]+)(?:="([^"]*)")?')
_UNUSUAL = re.compile(r"<[!?](?!--)|<[a-z][^>]*/>|<[a-z][^>]*'")


def _feed_serialised(parser: _SectionParser, html: str) -> bool:
    """What `parser.feed(html)` makes of `parser.sections`, for nh3's serialisation (see `_TAG`),
    without a call per tag: the handlers' logic is inlined, and a tag's attributes are read only
    where they matter (a heading's id, a class that skips the element); a guide has tens of
    thousands of tags.

    An element the parser skips (a code block, a diagram, a permalink) is passed over up to its
    own end tag (the parser would ignore all of it: the serialisation is balanced): code blocks
    are most of a guide's tags, one per token.

    False when a "<" was not the start of a tag it read: then the HTML is not such a
    serialisation, and html.parser must read it."""
    section = parser.sections[-1]
    tags = 0
    target = section.body  # where text goes: the open heading's title, or the section's body
    in_heading = ""
    position = 0
    skipping, depth = "", 0
    unescape = html_lib.unescape
    for match in _TAG.finditer(html):
        tags += 1
        tag = match[2]
        if skipping:
            if tag == skipping:
                depth += -1 if match[1] else 1
                if not depth:
                    skipping = ""
                    position = match.end()
            continue
        if match.start() > position:
            target.append(unescape(html[position : match.start()]))
        position = match.end()
        if tag is None:
            continue  # a comment
        if match[1]:  # an end tag
            if tag == in_heading:
                in_heading, target = "", section.body
            elif tag in BREAKS:
                section.body.append(" ")
            continue
        if tag in VOID:
            if tag in BREAKS:
                section.body.append(" ")
            continue
        if tag in SKIPPED:
            skipping, depth = tag, 1
            continue
        text = match[3]
        if text and ("headerlink" in text or "mermaid" in text or tag in SECTION_LEVELS):
            attributes = dict(
                (name, unescape(value) if value is not None else None)
                for name, value in ((a[1], a[2]) for a in _ATTRIBUTE.finditer(text))
            )
            classes = (attributes.get("class") or "").split()
            if "headerlink" in classes or "mermaid" in classes:
                skipping, depth = tag, 1
                continue
            if tag in SECTION_LEVELS and attributes.get("id"):
                section = _Open(anchor=attributes["id"] or "", level=SECTION_LEVELS[tag])
                parser.sections.append(section)
                in_heading, target = tag, section.title
                continue
        if tag in BREAKS:
            section.body.append(" ")
    if position < len(html) and not skipping:
        target.append(unescape(html[position:]))
    return tags == html.count("<")


def clean(text: str) -> str:
    return SPACES.sub(" ", text.replace("\x00", " ")).strip()


def html_to_text(html: str) -> str:
    """All readable text of an HTML fragment, without code blocks or diagrams."""
    if "<" not in html and "&" not in html:
        return clean(html)  # no markup: most glossary fields
    parser = _SectionParser()
    parser.feed(html)
    parser.close()
    parts: Iterable[str] = (" ".join(["".join(s.title), "".join(s.body)]) for s in parser.sections)
    return clean(" ".join(parts))


def sections_from_html(html: str) -> list[IndexedSection]:
    """Every H1-H3 with an id becomes a section; deeper headings stay in their parent's text."""
    parser = _SectionParser()
    if _UNUSUAL.search(html) or not _feed_serialised(parser, html):
        parser = _SectionParser()
        parser.feed(html)
        parser.close()
    results: list[IndexedSection] = []
    trail: list[tuple[int, str]] = []  # (level, title) of the open headings above
    for position, section in enumerate(parser.sections[1:], start=1):
        title = clean("".join(section.title))
        while trail and trail[-1][0] >= section.level:
            trail.pop()
        context = " \u203a ".join(t for _, t in trail)
        trail.append((section.level, title))
        # Alphabet headings of a glossary ("A", "B") hold terms, which are entries themselves.
        if len(title) <= 2 or title.casefold() in LISTING_TITLES:
            continue
        results.append(
            IndexedSection(
                anchor=section.anchor[:220],
                title=title[:500],
                level=section.level,
                context=context[:500],
                position=position,
                body=clean("".join(section.body))[:BODY_MAX_CHARS],
            )
        )
    return results


WORD = re.compile(r"[^\W_]+")
MD_LINK = re.compile(r"!?\[([^\]\n]*)\]\([^)\n]*\)")
MD_MARKS = re.compile(r"(\*\*|__|`+|~~|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*]))")


def markdown_inline_to_text(text: str) -> str:
    """Glossary fields are inline Markdown: keep link labels, drop emphasis and code marks."""
    return MD_MARKS.sub("", MD_LINK.sub(r"\1", html_to_text(text)))


@dataclass(frozen=True)
class TermText:
    anchor: str
    term: str
    description: str
    use_when: str
    like: str


@dataclass(frozen=True)
class EntryRow:
    kind: str  # SearchEntry.Kind values
    anchor: str
    title: str
    context: str
    level: int
    body: str
    position: int
    # The camel-case parts of its title and body (the vocabulary and the stored row both use
    # them): computed when not given, kept by dataclasses.replace.
    keywords: str | None = None

    def __post_init__(self) -> None:
        if self.keywords is None:
            object.__setattr__(self, "keywords", camel_case_parts(f"{self.title} {self.body}"))


CAMEL = re.compile(r"\b[A-Za-z]*[a-z][A-Z][A-Za-z]*\b")
CAMEL_BOUNDARY = re.compile(r"(?<=[a-z])(?=[A-Z])")


def camel_case_parts(text: str) -> str:
    """Names written together ("CeleryExecutor", "PostgreSQL") as separate words, so a query
    that spaces them ("celery executor") finds them."""
    return " ".join(dict.fromkeys(CAMEL_BOUNDARY.sub(" ", w) for w in CAMEL.findall(text)))


def unaccent(text: str) -> str:
    """Letters without their accents, as PostgreSQL's unaccent gives them to the index."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words_of(text: str) -> set[str]:
    """The vocabulary of a text as query words are split: lower case, letters and digits, at
    least one letter, 3-60 characters (shorter words are never corrected)."""
    return {w for w in set(WORD.findall(text.casefold())) if 3 <= len(w) <= 60 and not w.isdigit()}


@dataclass
class GuideUnits:
    """What the index takes from a guide's rendering, all but its title (which the import may
    take from elsewhere: a landing page, mkdocs.yml): computed where the guide is rendered, so
    the importing process only adds the title (see `guide_units`)."""

    summary: str
    sections: list[EntryRow]  # context: the headings above, without the guide's title
    terms: list[EntryRow]  # context: empty, the guide's title
    words: set[str]


# Its name in settings.GUIDE_RENDER_DERIVATIONS and so in a rendering's `derived`.
GUIDE_UNITS = "apps.search.indexing.guide_units"


def guide_units(rendered: Any) -> GuideUnits:
    """The units of a RenderedGuide (a GUIDE_RENDER_DERIVATIONS entry: the import renders in a
    child process, which computes this there, on the other core)."""
    return units_of(
        summary=rendered.summary_text,
        body_html=rendered.body_html,
        terms=[
            TermText(t.anchor, t.term, t.description, t.use_when, t.like) for t in rendered.terms
        ],
    )


def units_of(*, summary: str, body_html: str, terms: Iterable[TermText]) -> GuideUnits:
    summary = clean(summary)
    sections = [
        EntryRow(
            "section",
            section.anchor,
            section.title,
            section.context,
            section.level,
            section.body,
            section.position,
        )
        for section in sections_from_html(body_html)
    ]
    term_rows = []
    for position, term in enumerate(terms):
        body = " ".join(
            part for part in (term.description, term.use_when, term.like) if part.strip()
        )
        term_rows.append(
            EntryRow(
                "term",
                term.anchor[:220],
                clean(term.term)[:500],
                "",
                0,
                markdown_inline_to_text(body),
                position,
            )
        )
    # One pass over all of it: the words of each row, together.
    words = words_of(
        " ".join(
            [summary, camel_case_parts(summary)]
            + [f"{row.title} {row.body} {row.keywords}" for row in (*sections, *term_rows)]
        )
    )
    return GuideUnits(summary=summary, sections=sections, terms=term_rows, words=words)


def guide_rows(
    *, title: str, summary: str, body_html: str, terms: Iterable[TermText]
) -> tuple[list[EntryRow], set[str]]:
    """The entries of one guide and the words of its prose."""
    return rows_of(title=title, units=units_of(summary=summary, body_html=body_html, terms=terms))


def rows_of(*, title: str, units: GuideUnits) -> tuple[list[EntryRow], set[str]]:
    """`guide_rows` from a guide's title and its units."""
    title = clean(title)
    short = title[:500]
    rows = [EntryRow("guide", "", short, "", 0, units.summary, 0)]
    for section in units.sections:
        context = f"{title} \u203a {section.context}" if section.context else title
        rows.append(replace(section, context=context[:500]))
    rows.extend(replace(term, context=short) for term in units.terms)
    return rows, units.words | words_of(f"{short} {rows[0].keywords}")
