"""GitHub-flavoured Markdown that Python-Markdown and pymdownx do not read the GitHub way.

Guides are written for GitHub (cmark-gfm). Ordered lists written `1)` and bare URLs are handled
by pymdownx extensions configured in `rendering.parser._markdown()`; this module adds what no
extension covers, as one preprocessor that runs before the fenced-code preprocessor:

- a table or a code fence directly under a line of text (GitHub lets both interrupt a paragraph;
  Python-Markdown needs a blank line before a table, and SuperFences leaves a fence inside the
  paragraph);
- GitHub alerts (`> [!NOTE]`, `> [!TIP]`, `> [!IMPORTANT]`, `> [!WARNING]`, `> [!CAUTION]`)
  become admonitions. Python-Markdown also merges two blockquotes separated only by a blank line,
  which would fold consecutive alerts into one; rewriting them to `!!!` blocks keeps them apart;
- a reference link whose label holds code, ``[`EventEmitter`][]`` or ``[`fs.open()`]`` with
  ``[`EventEmitter`]: events.md`` below (API documentation links its names so): Python-Markdown
  looked the label up after the code span had been taken out of it, and left the brackets.
"""

import html
import re
import xml.etree.ElementTree as etree

from markdown import Markdown, util
from markdown.extensions import Extension
from markdown.inlinepatterns import (
    ImageReferenceInlineProcessor,
    ReferenceInlineProcessor,
    ShortImageReferenceInlineProcessor,
    ShortReferenceInlineProcessor,
)
from markdown.preprocessors import Preprocessor

from apps.core.markdown_lines import code_fences

ALERT = re.compile(
    r"^(?P<indent> *)> ?\[!(?P<kind>note|tip|important|warning|caution)\]\s*$", re.IGNORECASE
)
QUOTE = re.compile(r"^(?P<indent> *)> ?(?P<rest>.*)$")
LIST_ITEM = re.compile(r"^ *(?:[-*+]|\d{1,9}[.)])(?: |$)")
TABLE_DELIMITER = re.compile(r"^ *\|? *:?-+:? *(?:\| *:?-+:? *)*\|? *$")
ALERT_TITLES = {
    "note": "Note",
    "tip": "Tip",
    "important": "Important",
    "warning": "Warning",
    "caution": "Caution",
}


def _cells(row: str) -> int:
    row = row.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    return len(re.split(r"(?<!\\)\|", row))


def _is_table_start(lines: list[str], number: int) -> bool:
    """`lines[number]` is a table header row: it has pipes and the next line is a delimiter
    row with as many cells (GitHub's own condition)."""
    if number + 1 >= len(lines) or "|" not in lines[number]:
        return False
    delimiter = lines[number + 1]
    return (
        bool(TABLE_DELIMITER.match(delimiter))
        and "-" in delimiter
        and (_cells(lines[number]) == _cells(delimiter))
    )


def _is_paragraph_text(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and "|" not in stripped and not stripped.startswith(("#", ">", "<"))


def _alert(lines: list[str], start: int, match: re.Match[str]) -> tuple[list[str], int]:
    """Rewrite the alert opening at `start`; return its lines and the index after it."""
    indent = match["indent"]
    kind = match["kind"].lower()
    out = [f'{indent}!!! {kind} "{ALERT_TITLES[kind]}"']
    number = start + 1
    while number < len(lines):
        quoted = QUOTE.match(lines[number])
        if not quoted or quoted["indent"] != indent:
            break
        rest = quoted["rest"]
        out.append(f"{indent}    {rest}" if rest.strip() else "")
        number += 1
    out.append("")
    return out, number


def gfm_lines(lines: list[str]) -> list[str]:
    """The pre-pass: tables and fences under text get their blank line, alerts become
    admonitions."""
    out: list[str] = []
    # A fence never closed runs to the end, as on GitHub: nothing after it is rewritten.
    fence_end = {fence.start: fence.end for fence in code_fences(lines)}
    number = 0
    while number < len(lines):
        line = lines[number]
        if number in fence_end:
            if out and _is_paragraph_text(out[-1]) and not LIST_ITEM.match(out[-1]):
                # SuperFences would leave the code inside the paragraph above it.
                out.append("")
            out.extend(lines[number : fence_end[number] + 1])
            number = fence_end[number] + 1
            continue
        alert = ALERT.match(line)
        if alert:
            rewritten, number = _alert(lines, number, alert)
            out.extend(rewritten)
            continue
        if out and _is_paragraph_text(out[-1]) and _is_table_start(lines, number):
            out.append("")
        out.append(line)
        number += 1
    return out


class _GfmPreprocessor(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        return gfm_lines(lines)


class _LabelWithCode:
    """Reference processors that look a label holding code up as it is written: the code span,
    already stashed as an element when the label is read, goes back between its backticks."""

    md: Markdown

    def _label(self, text: str) -> str:
        if util.STX not in text:
            return text
        stash = self.md.treeprocessors["inline"].stashed_nodes  # type: ignore[attr-defined]

        def source(match: re.Match[str]) -> str:
            node = stash.get(match[1])
            if isinstance(node, etree.Element) and node.tag == "code":
                return f"`{html.unescape(node.text or '')}`"
            return match[0]

        return util.INLINE_PLACEHOLDER_RE.sub(source, text)

    def evalId(self, data: str, index: int, text: str):  # type: ignore[no-untyped-def]
        return super().evalId(data, index, self._label(text))  # type: ignore[misc]


class _Reference(_LabelWithCode, ReferenceInlineProcessor):
    pass


class _ImageReference(_LabelWithCode, ImageReferenceInlineProcessor):
    pass


class _ShortReference(_LabelWithCode, ShortReferenceInlineProcessor):
    pass


class _ShortImageReference(_LabelWithCode, ShortImageReferenceInlineProcessor):
    pass


class GfmExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # After whitespace normalisation (30), before SuperFences stashes code blocks (25).
        md.preprocessors.register(_GfmPreprocessor(md), "portal-gfm", 29)
        # The same patterns, names and priorities as Python-Markdown's own (its
        # build_inlinepatterns), which they replace.
        for name, processor, priority in (
            ("reference", _Reference, 170),
            ("image_reference", _ImageReference, 140),
            ("short_reference", _ShortReference, 130),
            ("short_image_ref", _ShortImageReference, 125),
        ):
            pattern = md.inlinePatterns[name].pattern  # type: ignore[attr-defined]
            md.inlinePatterns.register(processor(pattern, md), name, priority)
