"""Writes of the search index: one guide's entries and vocabulary, replaced together."""

import logging
from typing import Any

from django.db import DatabaseError, connection, transaction

from apps.core.bulk import bulk_cursor
from apps.guides.models import GlossaryTerm, Guide
from apps.search.indexing import EntryRow, GuideUnits, TermText, guide_rows, rows_of
from apps.search.models import ENTRY_VECTOR_INDEX, TEXT_SEARCH_CONFIG, SearchEntry, SearchWord

logger = logging.getLogger(__name__)


def search_index_write(
    *,
    guide_id: int,
    title: str,
    summary: str,
    body_html: str,
    terms: list[TermText],
    entry_model: Any = SearchEntry,
    word_model: Any = SearchWord,
) -> int:
    """Replace one guide's entries and words. The model classes are parameters so the
    index-building migration can pass its historical ones. Returns the number of entries."""
    rows, words = guide_rows(title=title, summary=summary, body_html=body_html, terms=terms)
    _index_replace(
        guide_id=guide_id, rows=rows, words=words, entry_model=entry_model, word_model=word_model
    )
    return len(rows)


def _index_replace(
    *, guide_id: int, rows: list[EntryRow], words: set[str], entry_model: Any, word_model: Any
) -> None:
    with transaction.atomic():
        entry_model.objects.filter(guide_id=guide_id).delete()
        word_model.objects.filter(guide_id=guide_id).delete()
        _entries_insert(entry_model=entry_model, guide_id=guide_id, rows=rows)
        _words_insert(word_model=word_model, guide_id=guide_id, words=sorted(words))


ENTRY_COLUMNS = (
    ("kind", "text"), ("anchor", "text"), ("title", "text"), ("context", "text"),
    ("level", "integer"), ("body", "text"), ("position", "integer"), ("keywords", "text"),
)  # fmt: skip


# The weight of an entry's body: a guide's summary and a term's definition are about them; a
# section's text merely mentions what it covers.
BODY_WEIGHT = {"guide": "B", "term": "B", "section": "D"}
# What `SearchVector("title", weight="A") + SearchVector("context", "keywords", weight="C") +
# SearchVector("body", weight=BODY_WEIGHT[kind])` computes, over the inserted values: written
# with the row, a second version of every row (and its index entries) is never made.
SEARCH_VECTOR_SQL = (
    "setweight(to_tsvector(%(config)s::regconfig, COALESCE(title, '')), 'A')"
    " || setweight(to_tsvector(%(config)s::regconfig, COALESCE(context, '') || ' '"
    " || COALESCE(keywords, '')), 'C')"
    " || setweight(to_tsvector(%(config)s::regconfig, COALESCE(body, '')),"
    ' (CASE kind {weights} END)::"char")'
)


def _entries_insert(*, entry_model: Any, guide_id: int, rows: list[EntryRow]) -> None:
    """A guide's entries and their search vectors in one statement, one array per column, in
    order: two headings with one anchor keep the first (ON CONFLICT DO NOTHING)."""
    meta = entry_model._meta
    quote = connection.ops.quote_name
    columns = ", ".join(
        quote(meta.get_field(name).column)
        for name in (*(n for n, _ in ENTRY_COLUMNS), "search_vector")
    )
    arrays = ", ".join(
        f"%(column{index})s::{kind}[]" for index, (_, kind) in enumerate(ENTRY_COLUMNS)
    )
    names = ", ".join(name for name, _ in ENTRY_COLUMNS)
    weights = " ".join(f"WHEN '{kind}' THEN '{weight}'" for kind, weight in BODY_WEIGHT.items())
    vector = SEARCH_VECTOR_SQL.format(weights=weights)
    with bulk_cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({quote(meta.get_field('guide').column)}, "  # noqa: S608 - names from _meta
            f"{columns}) SELECT %(guide)s, {names}, {vector} FROM unnest({arrays}) "
            f"WITH ORDINALITY AS t({names}, n) ORDER BY n ON CONFLICT DO NOTHING",
            {
                "guide": guide_id,
                "config": TEXT_SEARCH_CONFIG,
                **{
                    f"column{index}": [getattr(row, name) for row in rows]
                    for index, (name, _) in enumerate(ENTRY_COLUMNS)
                },
            },
        )


def _words_insert(*, word_model: Any, guide_id: int, words: list[str]) -> None:
    """One statement for a guide's thousands of words: building a model instance and SQL
    placeholders per word cost more than the rest of the guide's index."""
    meta = word_model._meta
    with bulk_cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(meta.db_table)} "  # noqa: S608 - names from _meta
            f"({connection.ops.quote_name(meta.get_field('guide').column)}, "
            f"{connection.ops.quote_name(meta.get_field('word').column)}) "
            "SELECT %s, word FROM unnest(%s::text[]) WITH ORDINALITY AS t(word, n) ORDER BY n",
            [guide_id, words],
        )


def search_index_guide(*, guide: Guide, units: GuideUnits | None = None) -> int:
    """Index `guide` as stored; `units`, when given, are those of its rendering as stored (see
    `guide_units`), which saves parsing its HTML and reading its terms again."""
    if units is not None:
        rows, words = rows_of(title=guide.title, units=units)
        _index_replace(
            guide_id=guide.pk,
            rows=rows,
            words=words,
            entry_model=SearchEntry,
            word_model=SearchWord,
        )
        return len(rows)
    terms = [
        TermText(t.anchor, t.term, t.description, t.use_when, t.like)
        for t in GlossaryTerm.objects.filter(guide=guide, is_archived=False).order_by("position")
    ]
    return search_index_write(
        guide_id=guide.pk,
        title=guide.title,
        summary=guide.summary_text,
        body_html=guide.body_html,
        terms=terms,
    )


def search_index_rebuild() -> int:
    """Every guide's entries, e.g. after a change to how entries are made."""
    total = 0
    for guide in Guide.objects.filter(is_archived=False).iterator(chunk_size=20):
        total += search_index_guide(guide=guide)
    return total


def search_index_flush() -> None:
    """Move the entries waiting in the GIN index's pending list into the index, in one sorted
    pass (see SearchEntry's index). A database role that does not own the index may not do it;
    then autovacuum does, and searches meanwhile scan the pending list too."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [ENTRY_VECTOR_INDEX])
    except DatabaseError as error:
        logger.info("search index pending list left to autovacuum: %s", error)
