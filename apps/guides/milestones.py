"""Which phase, guide or exercise a milestone of the overview README names.

A README's progress checklist names things loosely: "Phase 1: Foundation" is the phase track
numbered 1 (titled "Phase 1: Foundations"), "URL Shortener" is the guide "Mini-Project: URL
Shortener", and "Design document" under "### Capstone Project" is the top-level exercise
"Design document" of the guide "Capstone Project: Design and Build a Distributed System".
The rules are pure functions over plain data, testable without a database; `milestones_sync`
writes what they find for an overview guide.
"""

import difflib
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from apps.guides.models import Guide, Milestone, TaskItem, Track
from apps.guides.rendering import GuideError, render_guide

logger = logging.getLogger(__name__)

TITLE_SIMILARITY = 0.85
PHASE_NUMBER = re.compile(r"\bphase\s*(?P<number>\d+)\b", re.IGNORECASE)
# "Mini-Project: URL Shortener", "Capstone Project - Design…", "Phase 1 — Foundations".
TITLE_SEPARATOR = re.compile(r"\s*(?::|\s[-\u2013\u2014]\s)\s*")


@dataclass(frozen=True)
class TrackTarget:
    pk: int
    title: str
    number: int | None


@dataclass(frozen=True)
class GuideTarget:
    pk: int
    title: str


@dataclass(frozen=True)
class ItemTarget:
    pk: int
    text: str


@dataclass(frozen=True)
class MilestoneLink:
    track_id: int | None = None
    guide_id: int | None = None
    item_id: int | None = None


def title_key(text: str) -> str:
    """Casefolded words without punctuation or plural endings: "Foundations" ~ "foundation"."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("&", " and ")
    words = re.findall(r"[^\W_]+", text)
    return " ".join(word[:-1] if len(word) > 3 and word.endswith("s") else word for word in words)


def title_variants(title: str) -> set[str]:
    """The whole title and each side of its first separator, so "Mini-Project: URL Shortener"
    is named by "URL Shortener" and "Capstone Project: Design…" by "Capstone Project"."""
    variants = {title_key(title)}
    parts = TITLE_SEPARATOR.split(title, maxsplit=1)
    if len(parts) == 2:
        variants.update(title_key(part) for part in parts)
    return {variant for variant in variants if variant}


def title_match_score(name: str, title: str) -> int:
    """2 when a variant of one equals a variant of the other, 1 when they are close (a typo or
    a plural), else 0."""
    names, titles = title_variants(name), title_variants(title)
    if names & titles:
        return 2
    close = any(
        difflib.SequenceMatcher(None, a, b).ratio() >= TITLE_SIMILARITY
        for a in names
        for b in titles
        if min(len(a), len(b)) >= 4
    )
    return 1 if close else 0


def _matching[T](candidates: Iterable[T], name: str, title_of: Callable[[T], str]) -> list[T]:
    """The candidates `name` names, the exact matches if there are any, else the close ones."""
    scored = [(title_match_score(name, title_of(candidate)), candidate) for candidate in candidates]
    best = max((score for score, _ in scored), default=0)
    return [candidate for score, candidate in scored if best and score == best]


def milestone_link(
    *,
    text: str,
    group: str,
    tracks: list[TrackTarget],
    guides: list[GuideTarget],
    items_of_guide: Callable[[int], list[ItemTarget]],
) -> MilestoneLink:
    """The one thing `text` (under the heading `group`) names, or an empty link.

    `items_of_guide(guide_id)` returns that guide's top-level exercises; it is called only for
    the guide the group heading names.
    """
    phase = PHASE_NUMBER.search(text)
    if phase:
        number = int(phase["number"])
        track = next((t for t in tracks if t.number == number), None)
        if track is not None:
            return MilestoneLink(track_id=track.pk)
    # A heading names a guide only when it names exactly one: "Mini Projects" is the shared
    # prefix of five guide titles and names none of them.
    group_guides = _matching(guides, group, lambda g: g.title) if group else []
    group_guide = group_guides[0] if len(group_guides) == 1 else None
    if group_guide is not None:
        items = _matching(items_of_guide(group_guide.pk), text, lambda i: i.text)
        if items:
            return MilestoneLink(item_id=items[0].pk)
    if guides_named := _matching(guides, text, lambda g: g.title):
        return MilestoneLink(guide_id=guides_named[0].pk)
    if tracks_named := _matching(tracks, text, lambda t: t.title):
        return MilestoneLink(track_id=tracks_named[0].pk)
    if group_guide is not None:
        return MilestoneLink(guide_id=group_guide.pk)
    return MilestoneLink()


def milestones_sync(*, guide: Guide) -> None:
    """Give each current item of an overview guide its Milestone row: the heading it sits
    under and the phase, guide or exercise of the same repository it names."""
    try:
        rendered = render_guide(
            guide.markdown_source,
            fallback_title=guide.title,
            words_per_minute=settings.READING_WORDS_PER_MINUTE,
        )
    except GuideError as error:  # it rendered a moment ago; a busy machine can hit the limit
        logger.warning("milestones of %s not synced: %s", guide.source_path, error)
        return
    heading_by_key = {task.key: task.heading for task in rendered.tasks}
    label = guide.source_path.split("/", 1)[0]
    tracks = [
        TrackTarget(pk=pk, title=title, number=number)
        for pk, title, number in Track.objects.filter(
            Q(source_path=label) | Q(source_path__startswith=f"{label}/"), is_archived=False
        )
        .exclude(kind=Track.Kind.OVERVIEW)
        .values_list("pk", "title", "number")
    ]
    guides = [
        GuideTarget(pk=pk, title=title)
        for pk, title in Guide.objects.filter(
            source_path__startswith=f"{label}/", is_archived=False
        )
        .exclude(pk=guide.pk)
        .order_by("track__position", "position")
        .values_list("pk", "title")
    ]

    def items_of_guide(guide_id: int) -> list[ItemTarget]:
        return [
            ItemTarget(pk=pk, text=text)
            for pk, text in TaskItem.objects.filter(guide_id=guide_id, depth=0, is_archived=False)
            .order_by("position")
            .values_list("pk", "text")
        ]

    milestones = []
    for item in TaskItem.objects.filter(guide=guide, is_archived=False).only("key", "text"):
        group = heading_by_key.get(item.key, "")
        link = milestone_link(
            text=item.text, group=group, tracks=tracks, guides=guides, items_of_guide=items_of_guide
        )
        milestones.append(
            Milestone(
                item=item,
                group=group[:200],
                linked_track_id=link.track_id,
                linked_guide_id=link.guide_id,
                linked_item_id=link.item_id,
            )
        )
    Milestone.objects.bulk_create(
        milestones,
        update_conflicts=True,
        unique_fields=["item"],
        update_fields=["group", "linked_track", "linked_guide", "linked_item"],
    )
