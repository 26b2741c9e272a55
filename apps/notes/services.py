"""Writes for personal notes. Every lookup is scoped to the note's owner and its guide."""

from typing import Any

import markdown
from django.conf import settings
from django.contrib.postgres.search import SearchVector
from django.core.exceptions import ValidationError
from django.db import transaction

from apps.core.html import sanitize_html
from apps.core.markdown_guard import RenderFailed, neutralize_markdown, run_with_time_limit
from apps.guides.models import Guide, Section, TaskItem
from apps.notes.models import BODY_MAX_CHARS, Note


def _note_html(body_markdown: str) -> str:
    # A fresh instance per note: Markdown objects carry state (footnotes, stash) between calls.
    md = markdown.Markdown(
        extensions=["extra", "sane_lists", "pymdownx.superfences", "pymdownx.highlight"],
        extension_configs={
            "pymdownx.highlight": {
                "use_pygments": True,
                "guess_lang": False,
                "css_class": "highlight",
            },
        },
        output_format="html",
    )
    return sanitize_html(md.convert(neutralize_markdown(body_markdown)))


def note_render_markdown(*, body_markdown: str) -> str:
    """The note as safe HTML, rendered in a child process with a time limit
    (NOTE_RENDER_SECONDS); a ValidationError on the body when it cannot be rendered."""
    try:
        return run_with_time_limit(_note_html, body_markdown, seconds=settings.NOTE_RENDER_SECONDS)
    except RenderFailed as error:
        raise ValidationError(
            {
                "body_markdown": (
                    f"This note cannot be shown: {error}. Simplify the Markdown (long runs "
                    "of brackets or deeply nested lists and quotes) and save again."
                )
            }
        ) from None


def _clean_body(body_markdown: str) -> str:
    body = body_markdown.replace("\r\n", "\n").strip()
    if not body:
        raise ValidationError({"body_markdown": "Write something before saving the note."})
    if "\x00" in body:
        raise ValidationError(
            {"body_markdown": "The note contains a NUL character (U+0000); remove it and save."}
        )
    if len(body) > BODY_MAX_CHARS:
        raise ValidationError(
            {
                "body_markdown": (
                    f"Notes can be at most {BODY_MAX_CHARS:,} characters; "
                    f"this one has {len(body):,}. Split it into two notes."
                )
            }
        )
    return body


def _clean_target(
    *, guide: Guide, section_anchor: str, task_item_id: int | None
) -> tuple[str, TaskItem | None]:
    section_anchor = section_anchor.strip()
    if section_anchor and (
        "\x00" in section_anchor  # PostgreSQL text cannot hold it: no such section
        or not Section.objects.visible().filter(guide=guide, anchor=section_anchor).exists()
    ):
        raise ValidationError({"section_anchor": "That section is not part of this guide."})
    task_item = None
    if task_item_id is not None:
        task_item = TaskItem.objects.visible().filter(guide=guide, pk=task_item_id).first()
        if task_item is None:
            raise ValidationError({"task_item": "That exercise is not part of this guide."})
    return section_anchor, task_item


def _refresh_search_vector(note: Note) -> None:
    Note.objects.filter(pk=note.pk).update(
        search_vector=SearchVector("body_markdown", config="english")
    )


@transaction.atomic
def note_create(
    *,
    user: Any,
    guide: Guide,
    body_markdown: str,
    section_anchor: str = "",
    task_item_id: int | None = None,
) -> Note:
    body = _clean_body(body_markdown)
    section_anchor, task_item = _clean_target(
        guide=guide, section_anchor=section_anchor, task_item_id=task_item_id
    )
    note = Note.objects.create(
        user=user,
        guide=guide,
        section_anchor=section_anchor,
        task_item=task_item,
        body_markdown=body,
        body_html=note_render_markdown(body_markdown=body),
    )
    _refresh_search_vector(note)
    return note


@transaction.atomic
def note_update(
    *,
    user: Any,
    note_id: int,
    body_markdown: str,
    section_anchor: str = "",
    task_item_id: int | None = None,
) -> Note:
    """Raises Note.DoesNotExist when the note is not the user's."""
    note = Note.objects.select_for_update().select_related("guide").get(pk=note_id, user=user)
    body = _clean_body(body_markdown)
    note.section_anchor, note.task_item = _clean_target(
        guide=note.guide, section_anchor=section_anchor, task_item_id=task_item_id
    )
    note.body_markdown = body
    note.body_html = note_render_markdown(body_markdown=body)
    note.save()
    _refresh_search_vector(note)
    return note


@transaction.atomic
def note_delete(*, user: Any, note_id: int) -> bool:
    """Deletes the user's note; False when there is no such note of theirs."""
    deleted, _ = Note.objects.filter(pk=note_id, user=user).delete()
    return deleted > 0
