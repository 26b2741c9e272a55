"""The guide's source lines before Markdown sees them: decoding, fenced code (repaired or
refused) and lists re-indented the way Python-Markdown needs."""

import re

from apps.core.markdown_lines import NotUtf8, atx_heading, code_fences, decode_markdown
from apps.guides.mermaid_lint import mermaid_warnings
from apps.guides.rendering.results import GuideError


class _HeadingLine:
    """`HEADING_LINE.match(line)`: whether `line` is an ATX heading (`atx_heading`'s rule)."""

    @staticmethod
    def match(line: str) -> bool:
        return atx_heading(line) is not None


HEADING_LINE = _HeadingLine()
LIST_ITEM = re.compile(r"^(?P<indent> *)(?P<marker>[-*+]|\d{1,9}[.)])(?P<space> +|$)")


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
