"""Markdown read a line at a time: code fences, ATX headings, task lines, and bytes → text.

Every reader of guide source (discovery, the renderer's pre-passes, the glossary finder, the
Mermaid lint, the rendering guard, the checklist import) asks the same questions of a line: is it
inside fenced code, is it a heading and what does it say. One answer to each keeps them agreeing.

Fences follow CommonMark: a run of three or more backticks or tildes (a backtick fence's info
string has no backtick); the closing fence uses the same character, is at least as long, and has
nothing after it but spaces; a fence never closed runs to the end of the document. Two
departures, both because these are line scanners that do not track containers: a fence may be
indented any amount (inside a list item it is indented by the item's content, and a scanner that
stopped at three spaces would read the code of nested steps as prose), and `unclosed="ignored"`
lets a reader that only wants to skip code treat an opening fence that is never closed as text,
the way SuperFences renders it.

The parsers are plain scans, never regular expressions with adjacent quantifiers over spaces
(those backtracked cubically on a long line of spaces), and the fence scans are linear in the
number of lines whatever the input (see `code_fences`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

_SPACE = " \t"
_FENCE_CHARS = "`~"

# --------------------------------------------------------------------------------------------
# Code fences
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FenceLine:
    """A line that can open or close a code fence: "   ````python" → ("`", 4, "python")."""

    char: str
    length: int
    info: str  # the info string, stripped; a closing fence has none


@dataclass(frozen=True, slots=True)
class CodeFence:
    """A fenced code block: `start` is the opening fence's line, `end` the closing fence's line
    (or the last line when it is never closed)."""

    start: int
    end: int
    opening: FenceLine
    closed: bool


def fence_line(line: str) -> FenceLine | None:
    """The fence `line` opens or closes, or None when it is not a fence line."""
    stripped = line.lstrip(_SPACE)
    if len(stripped) < 3 or stripped[0] not in _FENCE_CHARS:
        return None
    char = stripped[0]
    length = len(stripped) - len(stripped.lstrip(char))
    if length < 3:
        return None
    info = stripped[length:]
    if char == "`" and "`" in info:
        return None  # "``` `code` ```" is an inline code span, not a fence
    return FenceLine(char, length, info.strip(_SPACE))


def code_fences(
    lines: list[str], *, unclosed: Literal["to_end", "ignored"] = "to_end"
) -> list[CodeFence]:
    """The fenced code blocks of `lines`, in order.

    `unclosed="to_end"` (CommonMark): a fence never closed runs to the last line, and is the
    last block, with `closed=False`. `unclosed="ignored"`: its opening line is text and the scan
    goes on from the next line. Both are linear: the second knows from a table of the longest
    closing fence at or after each line whether an opening fence closes at all, so no line is
    scanned twice (10,000 unclosed fences would otherwise cost 10,000 scans to the end)."""
    # A fence line holds a fence character: most lines are passed over by a scan in C.
    parsed = [fence_line(line) if "`" in line or "~" in line else None for line in lines]
    longest_after: dict[str, list[int]] | None = None
    if unclosed == "ignored":
        longest_after = {char: [0] * (len(lines) + 1) for char in _FENCE_CHARS}
        for number in range(len(lines) - 1, -1, -1):
            for char in _FENCE_CHARS:
                longest_after[char][number] = longest_after[char][number + 1]
            fence = parsed[number]
            if fence is not None and not fence.info:
                row = longest_after[fence.char]
                row[number] = max(row[number], fence.length)
    fences: list[CodeFence] = []
    number = 0
    while number < len(lines):
        opening = parsed[number]
        if opening is None:
            number += 1
            continue
        if longest_after is not None and longest_after[opening.char][number + 1] < opening.length:
            number += 1  # never closed: text
            continue
        close = number + 1
        while close < len(lines) and not _closes(opening, parsed[close]):
            close += 1
        if close == len(lines):
            fences.append(CodeFence(number, len(lines) - 1, opening, closed=False))
            break
        fences.append(CodeFence(number, close, opening, closed=True))
        number = close + 1
    return fences


def _closes(opening: FenceLine, candidate: FenceLine | None) -> bool:
    return (
        candidate is not None
        and candidate.char == opening.char
        and candidate.length >= opening.length
        and not candidate.info
    )


def fenced_lines(
    lines: list[str], *, unclosed: Literal["to_end", "ignored"] = "to_end"
) -> list[bool]:
    """For each line, whether it belongs to fenced code (the fences included)."""
    mask = [False] * len(lines)
    for fence in code_fences(lines, unclosed=unclosed):
        mask[fence.start : fence.end + 1] = [True] * (fence.end + 1 - fence.start)
    return mask


def prose_lines(lines: list[str]) -> list[str]:
    """The lines outside fenced code, in order."""
    return [line for line, fenced in zip(lines, fenced_lines(lines), strict=True) if not fenced]


# --------------------------------------------------------------------------------------------
# Headings, task lines, attribute lists
# --------------------------------------------------------------------------------------------


def atx_heading(line: str) -> tuple[int, str] | None:
    """`### Title ##` → (3, "Title"); None when the line is not an ATX heading.

    Up to three leading spaces, one to six `#`, then a space or the end of the line (`#hashtag`
    is text, a bare `#` an empty heading); a closing run of `#` preceded by a space is dropped,
    as in CommonMark."""
    start = 0
    while start < len(line) and start < 4 and line[start] == " ":
        start += 1
    if start > 3:
        return None
    end = start
    while end < len(line) and end - start < 7 and line[end] == "#":
        end += 1
    level = end - start
    if not 1 <= level <= 6:
        return None
    if end < len(line) and line[end] not in _SPACE:
        return None
    title = line[end:].strip(_SPACE)
    without_closing = title.rstrip("#")
    if without_closing != title and (not without_closing or without_closing[-1] in _SPACE):
        title = without_closing.rstrip(_SPACE)
    return level, title


def task_line(line: str) -> tuple[bool, str] | None:
    """`- [x] Text` → (True, "Text"); `- [ ] Text` → (False, "Text"); None for other lines."""
    rest = line.lstrip()
    if len(rest) < 2 or rest[0] not in "-*+" or rest[1] not in _SPACE:
        return None
    rest = rest[1:].lstrip(_SPACE)
    if (
        len(rest) < 4
        or rest[0] != "["
        or rest[2] != "]"
        or rest[1] not in "xX "
        or rest[3] not in _SPACE
    ):
        return None
    text = rest[3:].strip()
    if not text:
        return None
    return rest[1] in "xX", text


def strip_attribute_list(text: str) -> str:
    """Drop a trailing `{#anchor .class}` attribute list (and the spaces around it)."""
    stripped = text.rstrip()
    if not stripped.endswith("}"):
        return text
    opening = stripped.rfind("{")
    if opening < 0 or "}" in stripped[opening:-1]:
        return text
    return stripped[:opening].rstrip()


# --------------------------------------------------------------------------------------------
# Bytes → text
# --------------------------------------------------------------------------------------------

# UTF-8 read as Latin-1/Windows-1252 always leaves a lead byte (Â..ô) before a continuation
# byte's character: without one there is nothing for ftfy's (costly) check to repair.
MOJIBAKE_HINT = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6"
    "\u2030\u0160\u2039\u0152\u017d\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc"
    "\u2122\u0161\u203a\u0153\u017e\u0178]"
)
_BOM = b"\xef\xbb\xbf"


class NotUtf8(ValueError):
    """Bytes that are not UTF-8; the message names the byte and its line for a person to fix."""

    def __init__(self, raw: bytes, error: UnicodeDecodeError) -> None:
        self.offset = error.start
        self.line = raw[: error.start].count(b"\n") + 1
        super().__init__(
            f"not valid UTF-8: byte 0x{raw[error.start]:02x} at line {self.line} "
            f"(offset {error.start}); save the file as UTF-8"
        )


def decode_markdown(
    raw: bytes, *, errors: Literal["strict", "replace"] = "strict"
) -> tuple[str, list[str]]:
    """UTF-8 bytes → text with `\\n` line endings, and what was changed on the way.

    A byte-order mark is dropped; CRLF and lone CR become LF; text that was UTF-8 decoded as
    Latin-1/Windows-1252 and saved again (mojibake) is repaired with ftfy. Invalid UTF-8 raises
    `NotUtf8` with `errors="strict"` and becomes U+FFFD with `errors="replace"`."""
    changes: list[str] = []
    if raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
        changes.append("removed a UTF-8 byte-order mark")
    try:
        text = raw.decode("utf-8", errors=errors)
    except UnicodeDecodeError as error:
        raise NotUtf8(raw, error) from None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        changes.append("converted CRLF line endings")
    if MOJIBAKE_HINT.search(text):
        import ftfy  # only now: importing it costs every process 50 ms

        repaired = ftfy.fix_encoding(text)
        if repaired != text:
            changes.append("repaired mojibake (text decoded with the wrong encoding)")
            text = repaired
    return text, changes
