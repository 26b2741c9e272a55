"""What a landing page or README says about the pages around it: its title and introduction,
the order of its links, the root files it groups under headings or lists as excluded, and
whether it is a pure index of links."""

import re
from pathlib import Path

from apps.core.markdown_lines import atx_heading, code_fences, decode_markdown, prose_lines
from apps.guides.discovery.specs import SourceFile

LANDING_STEMS = ("index", "readme")  # preference order when a folder has both
INDEX_NAMES = {"readme.md", "index.md", "readme.markdown", "index.markdown"}
LINK = re.compile(r"\[[^\]]*\]\((?:\./)?(?P<target>[^)#\s]+\.(?:md|markdown))(?:#[^)]*)?\)")
ANY_LINK = re.compile(r"!?\[(?P<text>[^\]]*)\]\([^)]*\)|<https?://[^>]+>|https?://\S+")
MENTION = re.compile(r"(?P<name>[\w][\w .()+-]*\.(?:md|markdown))\b", re.IGNORECASE)
EXCLUDED_HEADING = re.compile(r"exclud|skipped|not (?:a )?guide|ignored|archive", re.IGNORECASE)
TASK_LINE = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\[[ xX]\]\s+\S")
# "Phase 1: Foundation", "Part 3 - Data", "Module 02. Intro": a numbered unit named in a title.
NUMBERED_TITLE = re.compile(
    r"\b(?:phase|part|module|chapter|unit|week|stage|step|level|lesson|section|day|sprint)"
    r"\s*(?P<number>\d{1,3})\s*(?:[:.)\-\u2013\u2014]|\*\*)",
    re.IGNORECASE,
)
INDEX_SUFFIX = re.compile(r"\s*[-\u2013\u2014:|]?\s*\b(?:index|readme)\s*$", re.IGNORECASE)
# A landing page is a pure index when it has fewer words of prose than this outside links and
# headings, and its links are at least half of its words.
PURE_INDEX_PROSE_WORDS = 40


def read_text(path: Path) -> str:
    """A file's text for reading titles and links: what cannot be decoded becomes U+FFFD."""
    return decode_markdown(path.read_bytes(), errors="replace")[0]


def clean_heading(text: str) -> str:
    """Heading text without Markdown, emoji or `{#id}` attributes."""
    text = re.sub(r"\{[^}]*\}\s*$", "", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[*_`]", "", text)
    text = "".join(ch for ch in text if ch.isalnum() or ch in " &,:;.'()/+-")
    return re.sub(r"\s+", " ", text).strip(" -:")


def clean_title(text: str) -> str:
    """'Architecture Patterns - Index' → 'Architecture Patterns'; a bare 'Index' → ''."""
    return INDEX_SUFFIX.sub("", text).strip(" -\u2013\u2014:|")


def humanize_name(name: str) -> str:
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    spaced = re.sub(r"[-_]+", " ", spaced).strip()
    return spaced[:1].upper() + spaced[1:] if spaced.islower() else spaced


def name_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", Path(name).stem.casefold())


def _prose_lines(text: str) -> list[str]:
    """Lines outside fenced code."""
    return prose_lines(text.split("\n"))


def _heading(line: str) -> tuple[int, str] | None:
    """(level, text) of a heading with text in it."""
    heading = atx_heading(line)
    return heading if heading and heading[1] else None


def title_and_intro(text: str) -> tuple[str, str]:
    """H1 and the prose before the first H2 of a landing page."""
    title, intro_lines, seen_h1 = "", [], False
    for line in _prose_lines(text):
        heading = _heading(line)
        if heading and heading[0] == 1 and not seen_h1:
            title, seen_h1 = clean_heading(heading[1]), True
            continue
        if heading:
            break
        intro_lines.append(line)
    return title, "\n".join(intro_lines).strip()


def has_task_list(text: str) -> bool:
    return any(TASK_LINE.match(line) for line in _prose_lines(text))


def is_pure_index(text: str) -> bool:
    """Nothing but headings and links to other pages (a table of contents), or nothing at all.
    A code block is content: a README of a title and a snippet is a page."""
    lines = text.split("\n")
    if any(block.end > block.start + 1 for block in code_fences(lines)):
        return False
    prose_words = link_words = 0
    for line in prose_lines(lines):
        if _heading(line) or not line.strip():
            continue
        link_words += len(LINK.findall(line))
        rest = ANY_LINK.sub(" ", line)
        rest = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", " ", rest)
        prose_words += len(re.findall(r"[^\W_]{2,}", rest))
    # A README with nothing under its title is no page either.
    return prose_words < PURE_INDEX_PROSE_WORDS and (link_words > 0 or prose_words == 0)


def number_in(text: str) -> int | None:
    match = NUMBERED_TITLE.search(text)
    return int(match["number"]) if match else None


def readme_categories(text: str) -> tuple[dict[str, tuple[str, int]], set[str]]:
    """Map each linked root file (name key) to (category title, order), and excluded names."""
    categories: dict[str, tuple[str, int]] = {}
    excluded: set[str] = set()
    category, in_excluded, order = "", False, 0
    for line in _prose_lines(text):
        heading = _heading(line)
        links = LINK.findall(line)
        if heading and not links:
            in_excluded = bool(EXCLUDED_HEADING.search(heading[1]))
            if heading[0] >= 2 and not in_excluded:
                category = clean_heading(heading[1])
            continue
        if in_excluded:
            excluded.update(name_key(m["name"]) for m in MENTION.finditer(line))
            continue
        for target in links:
            key = name_key(target)
            if "/" not in target.strip("./") and key not in categories and category:
                categories[key] = (category, order)
                order += 1
    return categories, excluded


def is_excluded(name: str, excluded: set[str]) -> bool:
    key = name_key(name)
    return any(key == entry or (len(entry) >= 6 and key.startswith(entry)) for entry in excluded)


def landing_of(files: list[SourceFile]) -> SourceFile | None:
    by_stem = {Path(f.relative).stem.casefold(): f for f in files}
    return next((by_stem[stem] for stem in LANDING_STEMS if stem in by_stem), None)
