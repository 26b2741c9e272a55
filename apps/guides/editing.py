"""Edits made in the admin: a guide's Markdown replaced by hand, guides shown or hidden."""

from pathlib import Path

from django.conf import settings
from django.db import transaction

from apps.guides.links import relative_links_resolve as _relative_links_resolve
from apps.guides.milestones import milestones_sync
from apps.guides.models import Guide, Track
from apps.guides.rendering import decode_guide, humanize_filename, render_guide
from apps.guides.services import _guide_write


@transaction.atomic
def guide_markdown_update(*, guide: Guide, markdown: str) -> Guide:
    """Replace a guide's Markdown (an edit in the admin) and re-render it with the importer's
    rules: sections, terms and exercises are matched as on re-import, so progress is kept.
    Raises GuideError, with nothing written, when the text cannot be rendered."""
    text, _warnings = decode_guide(markdown.encode("utf-8"), max_bytes=settings.GUIDE_MAX_BYTES)
    rendered = render_guide(
        text,
        fallback_title=humanize_filename(Path(guide.source_path).stem),
        words_per_minute=settings.READING_WORDS_PER_MINUTE,
    )
    # No source hash: the next import from the repository re-renders the file and wins.
    guide, _added, _archived = _guide_write(
        existing=guide,
        rendered=rendered,
        text=text,
        slug=guide.slug,
        source_path=guide.source_path,
        track=guide.track,
        position=guide.position,
        language=guide.language,
    )
    if guide.track.kind == Track.Kind.OVERVIEW:
        milestones_sync(guide=guide)
    _relative_links_resolve(label=guide.source_path.split("/", 1)[0], guide=guide)
    guide.refresh_from_db(fields=["body_html", "summary_html"])
    return guide


def guides_publish_set(*, guide_ids: list[int], published: bool) -> int:
    """Show or hide guides from learners; returns how many changed."""
    return (
        Guide.objects.filter(pk__in=guide_ids)
        .exclude(is_published=published)
        .update(is_published=published)
    )
