"""Writes of the search index: one guide's entries and vocabulary, replaced together."""

from typing import Any

from django.contrib.postgres.search import SearchVector
from django.db import connection, transaction
from django.db.models import Value

from apps.guides.models import GlossaryTerm, Guide
from apps.search.indexing import TermText, guide_rows
from apps.search.models import TEXT_SEARCH_CONFIG, SearchEntry, SearchWord


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
    with transaction.atomic():
        entry_model.objects.filter(guide_id=guide_id).delete()
        word_model.objects.filter(guide_id=guide_id).delete()
        entry_model.objects.bulk_create(
            [
                entry_model(
                    guide_id=guide_id,
                    kind=row.kind,
                    anchor=row.anchor,
                    title=row.title,
                    context=row.context,
                    level=row.level,
                    body=row.body,
                    position=row.position,
                    keywords=row.keywords,
                )
                for row in rows
            ],
            ignore_conflicts=True,  # two headings with one anchor: the first is kept
        )
        body_weight = {"guide": "B", "term": "B", "section": "D"}
        for kind, weight in body_weight.items():
            entry_model.objects.filter(guide_id=guide_id, kind=kind).update(
                search_vector=SearchVector("title", weight="A", config=TEXT_SEARCH_CONFIG)
                + SearchVector("context", "keywords", weight="C", config=TEXT_SEARCH_CONFIG)
                + SearchVector("body", weight=weight, config=Value(TEXT_SEARCH_CONFIG))
            )
        _words_insert(word_model=word_model, guide_id=guide_id, words=sorted(words))
    return len(rows)


def _words_insert(*, word_model: Any, guide_id: int, words: list[str]) -> None:
    """One statement for a guide's thousands of words: building a model instance and SQL
    placeholders per word cost more than the rest of the guide's index."""
    meta = word_model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(meta.db_table)} "  # noqa: S608 - names from _meta
            f"({connection.ops.quote_name(meta.get_field('guide').column)}, "
            f"{connection.ops.quote_name(meta.get_field('word').column)}) "
            "SELECT %s, word FROM unnest(%s::text[]) WITH ORDINALITY AS t(word, n) ORDER BY n",
            [guide_id, words],
        )


def search_index_guide(*, guide: Guide) -> int:
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
