"""Reads for personal notes. Each page runs a fixed number of queries, however many notes."""

from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.search import SearchHeadline, SearchQuery
from django.db.models import F, Func, OuterRef, QuerySet, Subquery, TextField, Value

from apps.guides.models import Guide, Section, TaskItem
from apps.guides.selectors import HEADLINE_OPTIONS
from apps.notes.models import Note

QUERY_MAX_CHARS = 200


def _regexp_replace(text: Any, pattern: str, flags: str) -> Func:
    return Func(
        text, Value(pattern), Value(" "), Value(flags),
        function="regexp_replace", output_field=TextField(),
    )  # fmt: skip


# What a reader sees of a note, as text: its rendered HTML without code blocks and tags (the
# entities stay, for the `text_snippet` filter to decode), as search shows notes. A headline of
# the Markdown showed its syntax: "**", "[label](https://…)", "- [ ]".
NOTE_TEXT = _regexp_replace(_regexp_replace(F("body_html"), "<pre.*?</pre>", "gs"), "<[^>]*>", "g")


def _with_labels(notes: QuerySet[Note]) -> QuerySet[Note]:
    # The section is named by anchor, not a foreign key: fetch its title in the same query.
    section_title = Section.objects.filter(
        guide=OuterRef("guide_id"), anchor=OuterRef("section_anchor")
    ).values("title")[:1]
    return (
        notes.select_related("guide", "task_item")
        .defer(
            "search_vector", "guide__markdown_source", "guide__body_html", "guide__search_vector"
        )
        .annotate(section_title=Subquery(section_title))
    )


def note_list_for_user(*, user: Any, query: str = "") -> QuerySet[Note]:
    """The user's notes, newest first; with a query, only those matching it, with a snippet."""
    notes = _with_labels(Note.objects.filter(user=user)).order_by("-updated_at", "-pk")
    query = query.strip()[:QUERY_MAX_CHARS]
    if not query:
        return notes
    search = SearchQuery(query, search_type="websearch", config="english")
    return notes.filter(search_vector=search).annotate(
        snippet=SearchHeadline(NOTE_TEXT, search, **HEADLINE_OPTIONS)
    )


@dataclass(frozen=True)
class GuideNotes:
    """What templates/notes/guide_notes.html needs: the notes and the choices for a new one."""

    notes: list[Note] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    exercises: list[TaskItem] = field(default_factory=list)


def notes_for_guide(*, user: Any, guide: Guide) -> GuideNotes:
    """The user's notes on one guide; no queries at all for anonymous visitors."""
    if not getattr(user, "is_authenticated", False):
        return GuideNotes()
    notes = list(_with_labels(Note.objects.filter(user=user, guide=guide)))
    return GuideNotes(
        notes=notes,
        sections=list(section_choices(guide=guide)),
        exercises=list(exercise_choices(guide=guide)),
    )


def section_choices(*, guide: Guide) -> QuerySet[Section]:
    return (
        Section.objects.visible().filter(guide=guide).only("anchor", "title").order_by("position")
    )


def exercise_choices(*, guide: Guide) -> QuerySet[TaskItem]:
    return TaskItem.objects.visible().filter(guide=guide).only("key", "text").order_by("position")
