"""Search reads: one ranked list of guides, sections, glossary terms and the user's own notes.

A query runs in at most four statements: what the words are (stop word, known, being typed),
corrections for the unknown ones (pg_trgm over the vocabulary, then edit distance), the ranked
entries with snippets for the shown rows only, and the user's notes.
"""

import html
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db import connection
from django.db.models import Count, F, Func, Value
from django.urls import reverse

from apps.guides.models import Guide, Track
from apps.notes.models import Note
from apps.search.indexing import unaccent
from apps.search.models import TEXT_SEARCH_CONFIG, SearchEntry, SearchWord
from apps.search.services import BODY_WEIGHT
from apps.search.snippets import snippet

MAX_QUERY_CHARS = 200
MAX_WORDS = 8
MAX_WORD_CHARS = 60
WORD = re.compile(r"[^\W_]+")
# Joiners people type between the things they compare; a match on them says nothing.
EXTRA_STOP_WORDS = frozenset({"vs", "versus", "v", "eg", "ie", "etc", "e", "g"})
KINDS = ("guide", "section", "term", "note")
KIND_LABELS = {"guide": "Guide", "section": "Section", "term": "Glossary", "note": "Your note"}
# ts_rank weights for D, C, B, A: title 1.0, summary/definition 0.4, headings above 0.2, text 0.1.
RANK_WEIGHTS = "{0.1,0.2,0.4,1.0}"
# A section's heading and prose in its search vector: without the headings above it (C).
SECTION_PROSE_WEIGHTS = f"{{a,{BODY_WEIGHT['section'].lower()}}}"


@dataclass(frozen=True)
class Term:
    """One word of the query as it is searched: a word, a prefix, or a split compound."""

    typed: str
    lexemes: tuple[str, ...]
    prefix: bool = False

    def tsquery(self) -> str:
        star = ":*" if self.prefix else ""
        parts = [f"'{lexeme}'{star}" for lexeme in self.lexemes]  # letters and digits only
        return parts[0] if len(parts) == 1 else "(" + " & ".join(parts) + ")"

    @property
    def shown(self) -> str:
        return " ".join(self.lexemes)


@dataclass(frozen=True)
class Hit:
    kind: str
    title: str
    url: str
    context: str
    snippet: str
    score: float
    matched: int
    partial: bool = False

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]


@dataclass
class SearchPage:
    query: str
    kind: str = ""
    terms: Sequence[Term] = ()
    corrected: bool = False
    partial: bool = False
    unknown: Sequence[str] = ()
    hits: list[Hit] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    message: str = ""

    @property
    def searched(self) -> str:
        return " ".join(term.shown for term in self.terms)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def filters(self) -> list[tuple[str, str, int]]:
        """(kind, label, count) of the kinds that have results, in a fixed order."""
        return [(k, KIND_LABELS[k], self.counts[k]) for k in KINDS if self.counts.get(k)]

    @property
    def shown_total(self) -> int:
        return self.counts.get(self.kind, 0) if self.kind else self.total


def query_words(raw: str) -> list[str]:
    """Lower-case words of letters and digits; operators, punctuation and NUL bytes are
    separators. Bounded before any work, so a 10 KB query costs what a 200-character one does."""
    text = raw[: MAX_QUERY_CHARS * 4].replace("\x00", " ")[:MAX_QUERY_CHARS]
    words = [w[:MAX_WORD_CHARS] for w in WORD.findall(unaccent(text).casefold())]
    return [w for w in words if w not in EXTRA_STOP_WORDS][:MAX_WORDS]


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein (adjacent transpositions count once), stopped past `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def _visible_guides_sql() -> str:
    """Guide.objects.visible() in SQL: published, not archived, in a track that is not."""
    guide, track = Guide._meta.db_table, Track._meta.db_table
    return (
        f"SELECT vg.id FROM {guide} vg JOIN {track} vt ON vt.id = vg.track_id "  # noqa: S608
        "WHERE vg.is_published AND NOT vg.is_archived AND NOT vt.is_archived"
    )


def _word_facts(words: list[str], user_id: int | None) -> dict[str, tuple[bool, bool, bool]]:
    """word → (stop word, in the vocabulary or the user's notes, starts such a word).

    One SELECT per word, joined: each pattern is then a constant the planner turns into an index
    range ("kafk%" → kafk ≤ word < kafl); a pattern computed per row would scan the index."""
    vocabulary, notes = SearchWord._meta.db_table, Note._meta.db_table
    visible = _visible_guides_sql()
    one = f"""
        SELECT %s,
               to_tsvector('english', %s) = ''::tsvector,
               EXISTS (SELECT 1 FROM {vocabulary} s WHERE s.word = %s
                       AND s.guide_id IN ({visible}))
               OR EXISTS (SELECT 1 FROM {notes} n WHERE n.user_id = %s
                          AND n.search_vector @@ plainto_tsquery('english', %s)),
               %s AND (EXISTS (SELECT 1 FROM {vocabulary} s WHERE s.word LIKE %s
                               AND s.guide_id IN ({visible}))
                       OR EXISTS (SELECT 1 FROM {notes} n WHERE n.user_id = %s
                                  AND n.search_vector @@ to_tsquery('english', %s)))
    """  # noqa: S608 - table names come from the models; values are parameters
    unique = sorted(set(words))
    params: list[Any] = []
    for w in unique:  # letters and digits only: nothing to escape in LIKE or to_tsquery
        params += [w, w, w, user_id, w, len(w) >= 3, f"{w}%", user_id, f"{w}:*"]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join([one] * len(unique)), params)
        return {w: (stop, known, starts) for w, stop, known, starts in cursor.fetchall()}


def _splits(word: str) -> list[tuple[str, str]]:
    return [(word[:i], word[i:]) for i in range(3, len(word) - 2)] if len(word) >= 6 else []


def _corrections(unknown: list[str]) -> dict[str, tuple[str, ...]]:
    """Each unknown word → the nearest vocabulary word (or two words it runs together), or
    nothing when no word is near enough. Candidates start with the same letter and are about as
    long (an index range), the 25 nearest by pg_trgm similarity are kept, and edit distance
    decides, so an unrelated word that shares a few trigrams is never taken."""
    if not unknown:
        return {}
    vocabulary = SearchWord._meta.db_table
    visible = _visible_guides_sql()
    parts = sorted({part for word in unknown for pair in _splits(word) for part in pair})
    one = f"""
        (SELECT %s, s.word, count(*), similarity(s.word, %s) AS sim FROM {vocabulary} s
         WHERE s.word LIKE %s AND length(s.word) BETWEEN %s AND %s
           AND s.guide_id IN ({visible})
         GROUP BY s.word ORDER BY sim DESC LIMIT 25)
    """  # noqa: S608 - table names come from the models; values are parameters
    params: list[Any] = []
    for w in unknown:  # letters and digits only: nothing to escape in LIKE
        params += [w, w, f"{w[0]}%", len(w) - 2, len(w) + 2]
    parts_sql = f"""
        SELECT DISTINCT NULL, s.word, 0::bigint, 0::real FROM {vocabulary} s
        WHERE s.word = ANY(%s::text[]) AND s.guide_id IN ({visible})
    """  # noqa: S608 - table names come from the models; values are parameters
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join([*[one] * len(unknown), parts_sql]), [*params, parts])
        rows = cursor.fetchall()
    known_parts = {word for typed, word, _, _ in rows if typed is None}
    chosen: dict[str, tuple[str, ...]] = {}
    for word in unknown:
        # One edit for words up to 7 letters, two beyond; the first letter is kept (people
        # rarely mistype it, and allowing it turns "bread" into "read", "masks" into "tasks").
        limit = 1 if len(word) <= 7 else 2
        best: tuple[int, int, float, str] | None = None
        for typed, candidate, guides, sim in rows:
            if typed != word or len(candidate) < 3 or candidate[0] != word[0]:
                continue
            distance = edit_distance(word, candidate, limit)
            if distance > limit:
                continue
            key = (distance, -guides, -sim, candidate)
            if best is None or key < best:
                best = key
        split = next(
            (pair for pair in _splits(word) if pair[0] in known_parts and pair[1] in known_parts),
            None,
        )
        if best is not None and (best[0] == 1 or split is None):
            chosen[word] = (best[3],)
        elif split is not None:
            chosen[word] = split
    return chosen


def query_terms(
    words: list[str], *, correct: bool = True, user_id: int | None = None
) -> tuple[list[Term], list[str], bool]:
    """The terms to search, the words nothing in the library (or the user's notes) contains,
    and whether any word was corrected."""
    facts = _word_facts(words, user_id) if words else {}
    content = [w for w in words if not facts[w][0]]
    unknown = [w for w in content if not facts[w][1]]
    last = words[-1] if words else ""
    typing = {w for w in unknown if w == last and facts[w][2]}
    fixes = (
        _corrections([w for w in unknown if w not in typing and 4 <= len(w) <= 30])
        if correct
        else {}
    )
    terms: list[Term] = []
    missing: list[str] = []
    for word in dict.fromkeys(content):
        if word in typing:
            terms.append(Term(word, (word,), prefix=True))
        elif word in fixes:
            terms.append(Term(word, fixes[word]))
        elif word in unknown:
            missing.append(word)
        else:
            terms.append(Term(word, (word,)))
    return terms, missing, bool(fixes)


# The query words' stems, by PostgreSQL's English stemmer (the one the index uses).
STEMS = """(SELECT coalesce(array_agg(lexeme), ARRAY[]::text[])
            FROM unnest(to_tsvector('search_english', %(words)s)))"""
# Where a snippet's text starts: a little before the first place a stem appears. Sections can
# be 24 KB; a snippet needs 1 KB of it.
WINDOW_START = """greatest(1, coalesce((
    SELECT min(p) FROM (SELECT regexp_instr({text}, '\\m' || n, 1, 1, 0, 'i') AS p
                        FROM unnest({stems}) n) x
    WHERE p > 0), 1) - 120)"""
WINDOW_CHARS = 1000
# How many of the query's words an entry has, for partial matches.
WORDS_MATCHED = """(SELECT count(*) FROM unnest(%(each)s::text[]) AS w(t)
                    WHERE {vector} @@ to_tsquery('{config}', w.t))"""


ENTRY_WORDS_MATCHED = WORDS_MATCHED.format(vector="e.search_vector", config=TEXT_SEARCH_CONFIG)
# Notes keep their own vectors, made with the plain English configuration by the notes app.
NOTE_WORDS_MATCHED = WORDS_MATCHED.format(vector="n.search_vector", config="english")


def _stem_source(terms: Sequence[Term]) -> str:
    return " ".join(term.shown for term in terms)


def _url(slug: str, anchor: str) -> str:
    url = reverse("guides:guide", kwargs={"slug": slug})
    return f"{url}#{anchor}" if anchor else url


def _needed(count: int) -> int:
    """How many words a partial match must have: most of them, and never a single one."""
    return max(2, math.ceil(count * 2 / 3))


def _entries(
    *, terms: Sequence[Term], phrase: str, kind: str, limit: int, partial: bool
) -> tuple[list[Hit], dict[str, int]]:
    entry, guide = SearchEntry._meta.db_table, Guide._meta.db_table
    joiner = " | " if partial else " & "
    tsquery = joiner.join(term.tsquery() for term in terms)
    each = [term.tsquery() for term in terms]
    needed = _needed(len(terms)) if partial else len(terms)
    kinds = [kind] if kind else list(KINDS)
    sql = f"""
        WITH q AS (SELECT to_tsquery('{TEXT_SEARCH_CONFIG}', %(tsquery)s) AS query,
                          to_tsquery('{TEXT_SEARCH_CONFIG}', %(all)s) AS every),
        matched AS (
            SELECT e.id, e.kind, e.title, e.context, e.anchor, e.body, g.slug,
                   {ENTRY_WORDS_MATCHED if partial else "%(needed)s"}
                   AS words,
                   ts_rank('{RANK_WEIGHTS}', e.search_vector, q.query)
                   + CASE WHEN ts_filter(e.search_vector, '{{a}}') @@ q.every THEN 1 ELSE 0 END
                   + CASE WHEN lower(e.title) = %(phrase)s
                            OR lower(e.title) LIKE %(phrase)s || ' (%%' THEN 1 ELSE 0 END
                   + CASE e.kind WHEN 'term' THEN 0.1 WHEN 'guide' THEN 0.05 ELSE 0 END
                   AS score
            FROM {entry} e JOIN {guide} g ON g.id = e.guide_id, q
            WHERE e.search_vector @@ q.query AND g.id IN ({_visible_guides_sql()})
        ),
        counted AS (
            SELECT *, count(*) OVER (PARTITION BY kind) AS of_kind FROM matched
            WHERE words BETWEEN %(needed)s AND %(most)s
        ),
        ranked AS (
            SELECT *, jsonb_object_agg(kind, of_kind) OVER () AS counts FROM counted
        ),
        top AS (
            SELECT * FROM ranked WHERE kind = ANY(%(kinds)s)
            ORDER BY words DESC, score DESC, id LIMIT %(limit)s
        )
        SELECT top.kind, top.title, top.context, top.anchor, top.slug, top.score, top.words,
               c.counts, w.start, substr(top.body, w.start, {WINDOW_CHARS}), {STEMS}
        FROM (SELECT counts FROM ranked LIMIT 1) c LEFT JOIN top ON true
        LEFT JOIN LATERAL (
            SELECT {WINDOW_START.format(text="top.body", stems=STEMS)} AS start
            OFFSET 0  -- computed once, not once per use
        ) w ON true
        ORDER BY top.words DESC, top.score DESC, top.id
    """  # noqa: S608 - table names come from the models; values are parameters
    params: dict[str, Any] = {
        "tsquery": tsquery,
        "all": " & ".join(each),
        "each": each,
        "phrase": phrase,
        "needed": needed,
        "most": len(terms) - 1 if partial else len(terms),
        "kinds": kinds,
        "limit": limit,
        "words": _stem_source(terms),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    hits = [
        Hit(
            kind=kind_,
            title=title,
            url=_url(slug, anchor),
            context=context,
            snippet=snippet(window, stems, clipped_start=start > 1),
            score=float(score),
            matched=words,
            partial=partial,
        )
        for kind_, title, context, anchor, slug, score, words, _, start, window, stems in rows
        if kind_ is not None
    ]
    counts = json.loads(rows[0][7]) if rows else {}
    return hits, counts


def _notes(*, user: Any, terms: Sequence[Term], limit: int, partial: bool) -> tuple[list[Hit], int]:
    joiner = " | " if partial else " & "
    tsquery = joiner.join(term.tsquery() for term in terms)
    each = [term.tsquery() for term in terms]
    needed = _needed(len(terms)) if partial else len(terms)
    sql = f"""
        WITH q AS (SELECT to_tsquery('english', %(tsquery)s) AS query),
        matched AS (
            SELECT n.id, n.section_anchor, n.body_html, g.slug, g.title AS guide_title,
                   {NOTE_WORDS_MATCHED if partial else "%(needed)s"}
                   AS words,
                   ts_rank('{RANK_WEIGHTS}', n.search_vector, q.query) AS score
            FROM {Note._meta.db_table} n JOIN {Guide._meta.db_table} g ON g.id = n.guide_id, q
            WHERE n.user_id = %(user)s AND n.search_vector @@ q.query
              AND g.id IN ({_visible_guides_sql()})
        ),
        top AS (
            SELECT *, count(*) OVER () AS total FROM matched
            WHERE words BETWEEN %(needed)s AND %(most)s
            ORDER BY words DESC, score DESC, id DESC LIMIT %(limit)s
        )
        SELECT id, section_anchor, slug, guide_title, score, words, total, w.start,
               substr(t.text, w.start, {WINDOW_CHARS}), {STEMS}
        FROM top
        CROSS JOIN LATERAL (SELECT regexp_replace(
            regexp_replace(top.body_html, '<pre.*?</pre>', ' ', 'gs'), '<[^>]*>', ' ', 'g') AS text
        ) t
        CROSS JOIN LATERAL (
            SELECT {WINDOW_START.format(text="t.text", stems=STEMS)} AS start OFFSET 0
        ) w
        ORDER BY words DESC, score DESC, id DESC
    """  # noqa: S608 - table names come from the models; values are parameters
    params: dict[str, Any] = {
        "tsquery": tsquery,
        "each": each,
        "user": user.pk,
        "needed": needed,
        "most": len(terms) - 1 if partial else len(terms),
        "limit": limit,
        "words": _stem_source(terms),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    hits = []
    for _, anchor, slug, guide_title, score, words, _, start, window, stems in rows:
        text = snippet(html.unescape(window), stems, clipped_start=start > 1)
        title = re.sub(r"[\u27e6\u27e7]", "", text).strip("… ").split(" … ")[0][:80]
        hits.append(
            Hit(
                kind="note",
                title=title,
                url=_url(slug, anchor),
                context=guide_title,
                snippet=text,
                score=float(score),
                matched=words,
                partial=partial,
            )
        )
    return hits, (rows[0][6] if rows else 0)


def search(
    *, query: str, user: Any = None, kind: str = "", limit: int = 20, correct: bool = True
) -> SearchPage:
    """Everything the results page and the as-you-type dropdown show for a query."""
    kind = kind if kind in KINDS else ""
    words = query_words(query)
    page = SearchPage(query=query.replace("\x00", "")[:MAX_QUERY_CHARS].strip(), kind=kind)
    if not words:
        if page.query:
            page.message = (
                "Type a word to search for: punctuation and operators alone match nothing."
            )
        return page
    signed_in = user is not None and user.is_authenticated
    terms, missing, corrected = query_terms(
        words, correct=correct, user_id=user.pk if signed_in else None
    )
    page.terms, page.unknown, page.corrected = terms, missing, corrected
    if not terms or len(missing) >= len(terms) or (missing and corrected):
        # Words no guide contains, and nothing close: an honest empty result, not noise. With
        # one such word and another one guessed at, too little of the query is certain.
        return page
    phrase = " ".join(term.shown for term in terms)
    # Units with every word first; below them, while there is room, units with most of them.
    rounds = [False, True] if _needed(len(terms)) < len(terms) else [False]
    for partial in rounds:
        room = limit - len(page.hits)
        if room <= 0:
            break
        hits: list[Hit] = []
        if kind != "note":
            hits, counts = _entries(
                terms=terms, phrase=phrase, kind=kind, limit=room, partial=partial
            )
            for name, count in counts.items():
                page.counts[name] = page.counts.get(name, 0) + count
        if signed_in and kind in ("", "note"):
            notes, total = _notes(user=user, terms=terms, limit=room, partial=partial)
            if total:
                page.counts["note"] = page.counts.get("note", 0) + total
            hits = sorted([*hits, *notes], key=lambda h: (-h.matched, -h.score))[:room]
        page.hits.extend(hits)
    page.partial = bool(page.hits) and (bool(missing) or all(h.partial for h in page.hits))
    return page


def guides_mentioning(*, phrase: str, exclude_guide_id: int, limit: int = 8) -> list[Guide]:
    """The visible guides whose sections (H1-H3, as search returns them) say `phrase` in their
    heading or prose, most mentions first, each with `mentions` (how many sections). The
    headings above a section and its keywords are left out: a guide titled with the phrase
    would otherwise mention it in every section."""
    query = SearchQuery(phrase, config=TEXT_SEARCH_CONFIG, search_type="phrase")
    prose = Func(
        F("search_vector"), Value(SECTION_PROSE_WEIGHTS), function="ts_filter",
        output_field=SearchVectorField(),
    )  # fmt: skip
    counts = (
        SearchEntry.objects.filter(kind=SearchEntry.Kind.SECTION, guide__in=Guide.objects.visible())
        .exclude(guide_id=exclude_guide_id)
        .annotate(prose=prose)
        .filter(search_vector=query, prose=query)  # the index finds them, the filter decides
        .values("guide_id", "guide__slug", "guide__title")
        .annotate(mentions=Count("id"))
        .order_by("-mentions", "guide__title")[:limit]
    )
    found = []
    for row in counts:
        guide = Guide(pk=row["guide_id"], slug=row["guide__slug"], title=row["guide__title"])
        guide.mentions = row["mentions"]  # type: ignore[attr-defined]
        found.append(guide)
    return found
