"""Readable snippets: a stretch of plain text around the matched words, which are marked.

Done here, not with ts_headline: PostgreSQL parses and stems every word of the text it is
given, which was most of a search's time. The database sends a window of the stored text
around the first match; the words marked are those whose start is a query word's stem (the
stems come from the same query, from PostgreSQL's own English stemmer).
"""

import re

from apps.core.templatetags.portal import MATCH_END, MATCH_START
from apps.search.indexing import unaccent

TOKEN = re.compile(r"[^\W_]+")
FRAGMENT_WORDS = 26
FRAGMENTS = 2
# A stem matches a word that extends it by a suffix the English stemmer removes ("lock" →
# "locking", "partit" → "partitions", "idempot" → "idempotent"), not by more word ("lock" ↛
# "lockstep").
SUFFIX = re.compile(
    r"(?:e|es|ed|s|'s|ing|ings|ion|ions|ioned|ioning|er|ers|est|ies|ied|y|ly|ily|al|ally|"
    r"ation|ations|ity|ities|ness|ize|ized|izes|ise|ised|ent|ently|ence|ency|ant|ance|able|"
    r"ible|ism|isms|ist|ists|ive|ively|ous|ously|ic|ical|ate|ated|ates|ment|ments|ful)?"
)


def _matches(word: str, stems: list[str]) -> bool:
    lowered = unaccent(word).casefold()
    for stem in stems:
        # The stemmer writes a final y as i ("redelivery" → "redeliveri").
        for form in (stem, stem[:-1] + "y") if stem.endswith("i") else (stem,):
            if lowered.startswith(form) and SUFFIX.fullmatch(lowered[len(form) :]):
                return True
    return False


def _mark(word: str, stems: list[str]) -> str:
    return TOKEN.sub(
        lambda m: (
            f"{MATCH_START}{m.group()}{MATCH_END}" if _matches(m.group(), stems) else m.group()
        ),
        word,
    )


def snippet(text: str, stems: list[str], *, clipped_start: bool = False) -> str:
    """Up to two fragments of about 26 words around matches, " … " between them."""
    words = text.split()
    if clipped_start and words:
        words = words[1:]  # the window may start inside a word
    if not words:
        return ""
    stems = [s.casefold() for s in stems if s]
    hits = [
        i for i, word in enumerate(words) if any(_matches(t, stems) for t in TOKEN.findall(word))
    ]
    if not hits:
        shown = words[:FRAGMENT_WORDS]
        return " ".join(shown) + (" …" if len(words) > len(shown) else "")
    fragments: list[tuple[int, int]] = []
    for hit in hits:
        if fragments and hit < fragments[-1][1]:
            continue
        start = max(fragments[-1][1] if fragments else 0, hit - 6)
        fragments.append((start, min(len(words), start + FRAGMENT_WORDS)))
        if len(fragments) == FRAGMENTS:
            break
    parts = []
    for start, end in fragments:
        parts.append(" ".join(_mark(word, stems) for word in words[start:end]))
    text_out = parts[0]
    for index in range(1, len(fragments)):
        joined = fragments[index][0] == fragments[index - 1][1]
        text_out += (" " if joined else " … ") + parts[index]
    if fragments[0][0] > 0 or clipped_start:
        text_out = "… " + text_out
    if fragments[-1][1] < len(words):
        text_out += " …"
    return text_out
