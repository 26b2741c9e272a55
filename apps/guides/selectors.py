"""Reads for the guide library. Every page runs a fixed number of queries."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet

from apps.guides.models import Guide, Track, guide_visible_q
from apps.guides.rendering import SUMMARY_TITLES

# Matches are wrapped in rare brackets, not tags: snippets are escaped text (see the
# `snippet` template filter), which then turns these brackets into <mark>. Notes use it.
HEADLINE_OPTIONS: dict[str, Any] = {
    "config": "english",
    "start_sel": "\u27e6",
    "stop_sel": "\u27e7",
    "max_words": 30,
    "min_words": 12,
    "max_fragments": 2,
    "fragment_delimiter": " … ",
}


def guide_visible_list() -> QuerySet[Guide]:
    # A translation is reached through its original's language switcher, not listed itself.
    return Guide.objects.visible().filter(translation_of__isnull=True)


def track_list_with_guides() -> QuerySet[Track]:
    guides = guide_visible_list().only(
        "slug", "title", "track_id", "position", "summary_text", "reading_minutes",
        "diagram_count",
    ).order_by("position")  # fmt: skip
    return (
        Track.objects.visible()
        .filter(guide_visible_q("guides__"))
        .distinct()
        .order_by("position", "title")
        .prefetch_related(Prefetch("guides", queryset=guides, to_attr="visible_guides"))
    )


def guide_get_for_reading(*, slug: str, include_unpublished: bool = False) -> Guide:
    # Staff preview an unpublished guide; archived ones are gone for everyone.
    queryset = Guide.objects.select_related("track").filter(is_archived=False)
    if not include_unpublished:
        queryset = queryset.visible()
    return queryset.defer("markdown_source", "search_vector").get(slug=slug)


def guide_summary_is_separate(*, guide: Guide) -> bool:
    """False when the summary is the guide's own opening section or paragraphs, which the
    reader sees anyway."""
    if not guide.summary_html or guide.body_html.lstrip().startswith(guide.summary_html):
        return False
    first = guide.toc[0]["name"] if guide.toc else ""
    return first.casefold().strip(" 0123456789.)") not in SUMMARY_TITLES


@dataclass(frozen=True)
class Neighbours:
    previous: Guide | None
    next: Guide | None
    siblings: list[Guide]


def guide_neighbours(*, guide: Guide) -> Neighbours:
    """Previous/next across the whole library in reading order, and the guide's track list."""
    ordered = list(
        guide_visible_list()
        .order_by("track__position", "position")
        .only("slug", "title", "track_id")
    )
    index = next((i for i, g in enumerate(ordered) if g.pk == guide.pk), None)
    siblings = [g for g in ordered if g.track_id == guide.track_id]
    if index is None:
        return Neighbours(None, None, siblings)
    previous = ordered[index - 1] if index > 0 else None
    following = ordered[index + 1] if index + 1 < len(ordered) else None
    return Neighbours(previous, following, siblings)
