"""A guide's own glossary: its blocks swapped for uniform definition lists (or kept as
written, anchored), `[term](#glossary)` links pointed at the entry, and the entries' HTML."""

import hashlib
import html
import re
from dataclasses import dataclass

from django.utils.text import slugify

from apps.core.html import content_id
from apps.core.markdown_lines import strip_attribute_list
from apps.guides.glossary import GlossaryBlock, ParsedTerm, find_glossaries
from apps.guides.rendering.inline import _inline
from apps.guides.rendering.results import RenderedTerm
from apps.guides.rendering.source import HEADING_LINE, _fenced_lines, fence_ranges

GLOSSARY_LINK = re.compile(r"\[(?P<text>[^\]\n]+)\]\(#glossary\)", re.IGNORECASE)
# Term fields are rendered again outside the time-limited child (flashcards), so they are capped.
TERM_FIELD_MAX_CHARS = 5_000


def term_anchor(term: str) -> str:
    return "term-" + (slugify(term) or hashlib.sha256(term.encode()).hexdigest()[:8])


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


def _with_anchor(line: str, anchor: str) -> str:
    if HEADING_LINE.match(line):
        return strip_attribute_list(line) + f" {{#{anchor}}}"
    match = re.match(r"^(\s*(?:\||[-*+]\s+|\d+[.)]\s+)?\s*)", line)
    prefix = match.group(1) if match else ""
    return f'{prefix}<span id="{anchor}" class="glossary-anchor"></span>{line[len(prefix) :]}'


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


def _glossaries_inserted(body: str, glossaries: _Glossaries) -> str:
    """Each placeholder becomes its block's definition list; a block kept as written gets its
    definitions appended, hidden, for the in-place popover (the anchors live in the text)."""
    for index, rendered_terms in enumerate(glossaries.block_terms):
        if index in glossaries.inline_blocks:
            body += _glossary_html(rendered_terms, id_prefix="def-", extra_class=" glossary--data")
        else:
            body = body.replace(f"<p>PORTALGLOSSARY{index}X</p>", _glossary_html(rendered_terms))
    return body


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
