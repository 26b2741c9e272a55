"""The guide's outline: its title, sections, table of contents and summary, and the plain text
they are read and counted in."""

import html
import re
from typing import Any

from apps.core.html import content_id
from apps.core.markdown_lines import atx_heading, strip_attribute_list
from apps.guides.rendering.inline import _inline
from apps.guides.rendering.results import RenderedSection
from apps.guides.rendering.source import LIST_ITEM

TAG = re.compile(r"<[^>]+>")
H2_SPLIT = re.compile(r'(?=<h[12] id="[^"]+")')
SUMMARY_TITLES = ("executive summary", "summary", "tl;dr", "tldr", "overview", "introduction")


def _plain_text(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(TAG.sub(" ", fragment))).strip()


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


def humanize_filename(stem: str) -> str:
    """'DataPipelineSystemDesign' → 'Data Pipeline System Design'; 'url-shortener' too.

    Used for titles and slugs when a guide has no usable H1."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", stem)
    spaced = re.sub(r"[-_]+", " ", spaced)
    return re.sub(r"\s+", " ", spaced).strip().title() if spaced.islower() else spaced.strip()


def _content_toc(toc_tokens: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every heading's token, flattened, with the same id the sanitiser gave the heading."""
    toc = _flatten_toc(toc_tokens)
    for toc_token in toc:
        toc_token["id"] = content_id(toc_token["id"])
    return toc


def _flatten_toc(tokens: list[dict[str, Any]]) -> list[dict[str, Any]]:
    flat: list[dict[str, Any]] = []
    for token in tokens:
        flat.append(token)
        flat.extend(_flatten_toc(token.get("children", [])))
    return flat


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


def _toc_entries(toc: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The page's table of contents: headings down to H3, as plain text."""
    return [
        {"id": t["id"], "name": _plain_text(t["name"]).rstrip("#").strip(), "level": t["level"]}
        for t in toc
        if t["level"] <= 3
    ]


def _summary(intro: str, sections: list[RenderedSection]) -> str:
    for section in sections:
        if section.title.casefold().strip(" 0123456789.)") in SUMMARY_TITLES:
            paragraphs = re.findall(r"<p>.*?</p>", section.html, re.DOTALL)
            if paragraphs:
                return "".join(paragraphs[:2])
    paragraphs = re.findall(r"<p>.*?</p>", intro, re.DOTALL)
    return "".join(paragraphs[:2])
