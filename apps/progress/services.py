"""Writes for progress: ticks, reads, visits and the activity they add up to.

Every write is an upsert keyed by a unique constraint, so two tabs (or a double click) racing on
the same row end in the same state instead of an IntegrityError.
"""

import datetime
import difflib
import functools
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.core.markdown_lines import atx_heading, fenced_lines, task_line
from apps.guides.models import Guide, Section, TaskItem, Track
from apps.guides.rendering import normalize_task_text
from apps.progress.models import ActivityDay, LearnerState, SectionRead, TaskProgress

ACTIVITY_KINDS = ("reads", "ticks", "reviews")
IMPORT_SIMILARITY = 0.85


def user_local_date(*, user: User, at: datetime.datetime | None = None) -> datetime.date:
    try:
        zone = zoneinfo.ZoneInfo(user.timezone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return (at or timezone.now()).astimezone(zone).date()


def activity_record(
    *, user: User, kind: str, count: int = 1, at: datetime.datetime | None = None
) -> None:
    """Add to the activity counter of the user's local day (today, or the day of `at`) in one
    upsert. A negative count takes an activity back (an undone review), never below zero."""
    if kind not in ACTIVITY_KINDS:
        raise ValueError(f"unknown activity kind {kind!r}")
    table = ActivityDay._meta.db_table
    values = {name: max(count, 0) if name == kind else 0 for name in ACTIVITY_KINDS}
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (user_id, day, reads, ticks, reviews)
            VALUES (%s, %s, %s, %s, %s)
            ON CONFLICT (user_id, day)
            DO UPDATE SET {kind} = GREATEST(0, {table}.{kind} + %s)
            """,  # noqa: S608 - names come from the model and ACTIVITY_KINDS; values are parameters
            [user.pk, user_local_date(user=user, at=at), values["reads"], values["ticks"],
             values["reviews"], count],
        )  # fmt: skip


@dataclass(frozen=True)
class TickedItem:
    """What the toggle view needs back: enough to redraw the control and find the guide."""

    pk: int
    key: str
    section_anchor: str
    guide_slug: str

    def get_guide_url(self) -> str:
        return reverse("guides:guide", kwargs={"slug": self.guide_slug})


# One statement, so one round trip and atomic on its own: find the visible item, upsert the
# learner's row, count the tick on their local day (not for "todo") and move "continue where
# you left off" (not for a milestone of the overview README: nothing there to continue). When
# the item is missing, archived or unpublished, nothing is written and no row comes back.
# Data-modifying CTEs run exactly once whether or not the final SELECT reads them. Plain SQL
# because the ORM cannot chain upserts on one snapshot; the tables are named by the models.
@functools.cache
def _tick_sql() -> str:
    quote = connection.ops.quote_name
    tables = {
        name: quote(model._meta.db_table)
        for name, model in (
            ("taskitem", TaskItem), ("guide", Guide), ("track", Track),
            ("taskprogress", TaskProgress), ("activityday", ActivityDay),
            ("learnerstate", LearnerState),
        )
    }  # fmt: skip
    return """
WITH item AS (
    SELECT t.id, t.key, t.section_anchor, t.guide_id, g.slug, tr.kind AS track_kind
    FROM {taskitem} t JOIN {guide} g ON g.id = t.guide_id
    JOIN {track} tr ON tr.id = g.track_id
        -- Guide.objects.visible() / guide_part_visible_q() in SQL (apps/guides/models.py)
    WHERE t.id = %(item)s AND NOT t.is_archived AND g.is_published AND NOT g.is_archived
        AND NOT tr.is_archived
), before AS (
    -- The statement's snapshot: the state before this write.
    SELECT state FROM {taskprogress} WHERE user_id = %(user)s AND item_id = %(item)s
), progress AS (
    INSERT INTO {taskprogress} (user_id, item_id, state, updated_at)
    SELECT %(user)s, id, %(state)s, %(now)s FROM item
    ON CONFLICT (user_id, item_id)
    DO UPDATE SET state = EXCLUDED.state, updated_at = EXCLUDED.updated_at
), activity AS (
    INSERT INTO {activityday} (user_id, day, reads, ticks, reviews)
    SELECT %(user)s, %(day)s, 0, 1, 0 FROM item
    -- A repeated tick (a double click, an offline tick sent again) changes nothing: not counted.
    WHERE %(counts)s AND NOT EXISTS (SELECT 1 FROM before WHERE state = %(state)s)
    ON CONFLICT (user_id, day) DO UPDATE SET ticks = {activityday}.ticks + 1
), visit AS (
    INSERT INTO {learnerstate}
        (user_id, last_guide_id, last_section_anchor, last_visited_at, streak_enabled)
    SELECT %(user)s, guide_id, left(section_anchor, 200), %(now)s, false FROM item
    WHERE track_kind <> %(overview)s
    ON CONFLICT (user_id) DO UPDATE SET last_guide_id = EXCLUDED.last_guide_id,
        last_section_anchor = EXCLUDED.last_section_anchor,
        last_visited_at = EXCLUDED.last_visited_at
)
SELECT id, key, section_anchor, slug FROM item
""".format(**tables)  # noqa: S608 - only the models' table names are formatted in


def task_progress_set(*, user: User, item_id: int, state: str) -> TickedItem:
    """Set the learner's state of a visible item; raises TaskItem.DoesNotExist for an item that
    is not there for learners (archived, unpublished or unknown), writing nothing."""
    if state not in TaskProgress.State.values:
        raise ValueError(f"unknown state {state!r}")
    now = timezone.now()
    params: dict[str, Any] = {
        "item": item_id,
        "user": user.pk,
        "state": state,
        "now": now,
        "day": user_local_date(user=user, at=now),
        "counts": state != TaskProgress.State.TODO,
        "overview": Track.Kind.OVERVIEW,
    }
    with connection.cursor() as cursor:
        cursor.execute(_tick_sql(), params)
        row = cursor.fetchone()
    if row is None:
        raise TaskItem.DoesNotExist(f"no visible task item {item_id}")
    return TickedItem(*row)


def section_get_visible(*, section_id: int) -> Section:
    return (
        Section.objects.visible()
        .select_related("guide")
        .only("anchor", "guide__slug")
        .get(pk=section_id)
    )


@transaction.atomic
def section_read_set(*, user: User, section: Section, read: bool) -> bool:
    if read:
        # get_or_create retries the read after an IntegrityError, so racing tabs are fine.
        _, created = SectionRead.objects.get_or_create(user=user, section=section)
        if created:
            activity_record(user=user, kind="reads")
        learner_visit_record(user=user, guide=section.guide, anchor=section.anchor)
    else:
        SectionRead.objects.filter(user=user, section=section).delete()
    return read


def learner_visit_record(*, user: User, guide: Guide, anchor: str) -> None:
    LearnerState.objects.bulk_create(
        [
            LearnerState(
                user=user,
                last_guide=guide,
                last_section_anchor=anchor[:200],
                last_visited_at=timezone.now(),
            )
        ],
        update_conflicts=True,
        unique_fields=["user"],
        update_fields=["last_guide", "last_section_anchor", "last_visited_at"],
    )


def learner_streak_set(*, user: User, enabled: bool) -> None:
    LearnerState.objects.update_or_create(user=user, defaults={"streak_enabled": enabled})


def learner_share_enable(*, user: User) -> str:
    """A fresh unguessable token; enabling again replaces (and so revokes) the old link."""
    from apps.progress.models import _new_share_token

    token = _new_share_token()
    LearnerState.objects.update_or_create(user=user, defaults={"share_token": token})
    return token


def learner_share_revoke(*, user: User) -> None:
    LearnerState.objects.filter(user=user).update(share_token=None)


@dataclass
class ChecklistImport:
    matched: int = 0
    unchanged: int = 0
    unmatched: list[str] = field(default_factory=list)


@transaction.atomic
def progress_import_markdown(*, user: User, text: str) -> ChecklistImport:
    """Ticked `[x]` lines of a Markdown checklist become done items; unknown lines are reported.

    Lines are matched to current task items by their normalised text, then by close similarity
    (a typo on either side). Unticked lines never undo progress. When several items share the
    text ("Design document" is a milestone of the README and an exercise of the capstone), the
    one in a guide named by a heading above the line wins, as in our own export; otherwise the
    milestone does, since a README's checklist is what people upload.
    """
    result = ChecklistImport()
    items = list(
        TaskItem.objects.visible()
        .select_related("guide__track")
        .only("pk", "text", "guide__title", "guide__track__kind")
        .order_by("guide__track__position", "guide__position", "position")
    )
    by_text: dict[str, list[TaskItem]] = {}
    for item in items:
        by_text.setdefault(normalize_task_text(item.text), []).append(item)
    done_ids = set(
        TaskProgress.objects.filter(user=user, state=TaskProgress.State.DONE).values_list(
            "item_id", flat=True
        )
    )
    to_write: list[TaskProgress] = []
    # level -> text of the headings above the line, normalised only when an item needs them
    headings: dict[int, str] = {}
    lines = text.splitlines()
    # Fenced code is code, as on GitHub: neither its headings nor its "- [x]" lines count.
    for line, fenced in zip(lines, fenced_lines(lines), strict=True):
        if fenced:
            continue
        if (heading := atx_heading(line)) and heading[1]:
            level, heading_text = heading
            for deeper in [n for n in headings if n >= level]:
                del headings[deeper]
            headings[level] = heading_text
            continue
        task = task_line(line)
        if task is None or not task[0]:
            continue
        task_text = task[1]
        normalized = normalize_task_text(task_text)
        candidates = by_text.get(normalized)
        if candidates is None:
            close = difflib.get_close_matches(
                normalized, by_text.keys(), n=1, cutoff=IMPORT_SIMILARITY
            )
            candidates = by_text[close[0]] if close else None
        if candidates is None:
            result.unmatched.append(task_text[:200])
            continue
        match_item = _import_candidate_pick(
            candidates, headings={normalize_task_text(h) for h in headings.values()}
        )
        if match_item.pk in done_ids:
            result.unchanged += 1
        else:
            done_ids.add(match_item.pk)
            to_write.append(TaskProgress(user=user, item=match_item, state=TaskProgress.State.DONE))
            result.matched += 1
    TaskProgress.objects.bulk_create(
        to_write,
        update_conflicts=True,
        unique_fields=["user", "item"],
        update_fields=["state", "updated_at"],
    )
    if to_write:
        activity_record(user=user, kind="ticks", count=len(to_write))
    return result


def _import_candidate_pick(candidates: list[TaskItem], *, headings: set[str]) -> TaskItem:
    for item in candidates:
        if normalize_task_text(item.guide.title) in headings:
            return item
    for item in candidates:
        if item.guide.track.kind == Track.Kind.OVERVIEW:
            return item
    return candidates[0]
