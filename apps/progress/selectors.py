"""Reads for progress. The dashboard runs the same number of queries for any amount of history."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, F, FilteredRelation, OuterRef, Q, Subquery

from apps.accounts.models import User
from apps.guides.models import (
    Guide,
    Milestone,
    Section,
    TaskItem,
    Track,
    guide_part_visible_q,
    guide_visible_q,
)
from apps.progress.models import ActivityDay, LearnerState, SectionRead, TaskProgress
from apps.progress.services import user_local_date

COMPLETE_STATES = (TaskProgress.State.DONE, TaskProgress.State.SKIPPED)
# A guide row carries its whole rendered page; lists that only link to it must not load that.
HEAVY_GUIDE_FIELDS = ("body_html", "markdown_source", "summary_html", "summary_text", "toc",
                      "search_vector")  # fmt: skip


def _light(prefix: str) -> list[str]:
    return [f"{prefix}{name}" for name in HEAVY_GUIDE_FIELDS]


@dataclass
class GuideState:
    """The signed-in user's state for one guide's page."""

    items: dict[str, tuple[int, str]]  # key -> (item id, state)
    read_sections: set[str]
    sections: dict[str, int]  # anchor -> section id

    @property
    def complete(self) -> bool:
        return (
            all(state in COMPLETE_STATES for _, state in self.items.values())
            and set(self.sections) <= self.read_sections
        )


def guide_state_for_user(*, user: User, guide: Guide) -> GuideState:
    items = {
        key: (pk, state or TaskProgress.State.TODO)
        for key, pk, state in TaskItem.objects.visible()
        .filter(guide=guide)
        .annotate(state=_own_state(user=user, item=OuterRef("pk")))
        .values_list("key", "pk", "state")
    }
    sections = dict(Section.objects.visible().filter(guide=guide).values_list("anchor", "pk"))
    read = set(
        SectionRead.objects.filter(user=user, section__guide=guide).values_list(
            "section__anchor", flat=True
        )
    )
    return GuideState(items=items, read_sections=read, sections=sections)


@dataclass
class GuideProgress:
    guide: Guide
    items: int
    sections: int
    items_done: int = 0
    sections_read: int = 0

    @property
    def total(self) -> int:
        return self.items + self.sections

    @property
    def done(self) -> int:
        return self.items_done + self.sections_read

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.done >= self.total

    @property
    def status(self) -> str:
        if self.complete:
            return "done"
        return "in_progress" if self.done else "todo"


@dataclass
class TrackProgress:
    track: Track
    guides: list[GuideProgress] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(g.total for g in self.guides)

    @property
    def done(self) -> int:
        return sum(g.done for g in self.guides)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass
class HeatDay:
    day: datetime.date
    count: int

    @property
    def title(self) -> str:
        # strftime here instead of the |date filter: 365 filter calls cost ~20 ms a page.
        actions = "action" if self.count == 1 else "actions"
        return f"{self.day:%a %-d %b %Y}: {self.count} {actions}"

    @property
    def level(self) -> int:
        if self.count == 0:
            return 0
        return 1 if self.count < 3 else 2 if self.count < 6 else 3 if self.count < 10 else 4


@dataclass
class MilestoneLinkProgress:
    """The computed completion of what a milestone names: a phase, a guide or an exercise."""

    title: str
    url: str
    percent: int


@dataclass
class MilestoneRow:
    item_id: int
    key: str
    text: str
    state: str
    linked: MilestoneLinkProgress | None

    @property
    def state_label(self) -> str:
        return TaskProgress.State(self.state).label


@dataclass
class MilestoneGroup:
    title: str
    milestones: list[MilestoneRow] = field(default_factory=list)

    @property
    def done(self) -> int:
        return sum(1 for m in self.milestones if m.state in COMPLETE_STATES)


@dataclass
class Dashboard:
    tracks: list[TrackProgress]
    overall_percent: int
    in_progress: list[TaskItem]
    next_item: TaskItem | None
    state: LearnerState | None
    weeks: list[list[HeatDay | None]]
    active_days: int
    streak: int | None
    archived: list[TaskProgress] = field(default_factory=list)
    milestones: list[MilestoneGroup] = field(default_factory=list)

    @property
    def phases(self) -> list[TrackProgress]:
        return [t for t in self.tracks if t.track.kind == Track.Kind.PHASE]

    @property
    def projects(self) -> list[TrackProgress]:
        return [t for t in self.tracks if t.track.kind == Track.Kind.PROJECTS]

    @property
    def others(self) -> list[TrackProgress]:
        return [t for t in self.tracks if t.track.kind == Track.Kind.CATEGORY]


def guide_progress_list(*, user: User) -> list[TrackProgress]:
    guides = list(
        Guide.objects.visible()
        .select_related("track")
        .only(
            "slug",
            "title",
            "position",
            "track__slug",
            "track__title",
            "track__kind",
            "track__number",
            "track__position",
        )
        .order_by("track__position", "position")
    )
    # Per guide, how many items (sections) there are and how many of them this user finished
    # (read): one grouped pass each, joined only to this user's rows.
    items = {
        guide_id: (total, finished)
        for guide_id, total, finished in TaskItem.objects.visible()
        .annotate(mine=FilteredRelation("progress", condition=Q(progress__user=user)))
        .values("guide_id")
        .annotate(
            total=Count("pk"), finished=Count("pk", filter=Q(mine__state__in=COMPLETE_STATES))
        )
        .values_list("guide_id", "total", "finished")
        .order_by()
    }
    sections = {
        guide_id: (total, finished)
        for guide_id, total, finished in Section.objects.visible()
        .annotate(mine=FilteredRelation("reads", condition=Q(reads__user=user)))
        .values("guide_id")
        .annotate(total=Count("pk"), finished=Count("mine"))
        .values_list("guide_id", "total", "finished")
        .order_by()
    }
    tracks: dict[int, TrackProgress] = {}
    for guide in guides:
        track = tracks.setdefault(guide.track_id, TrackProgress(track=guide.track))
        track.guides.append(
            GuideProgress(
                guide=guide,
                items=items.get(guide.pk, (0, 0))[0],
                sections=sections.get(guide.pk, (0, 0))[0],
                items_done=items.get(guide.pk, (0, 0))[1],
                sections_read=sections.get(guide.pk, (0, 0))[1],
            )
        )
    return list(tracks.values())


@dataclass
class LibraryProgress:
    """What the library page shows a signed-in learner: where to resume, the curriculum's
    completion, and each guide's share done."""

    by_guide: dict[int, GuideProgress]
    overall_percent: int
    state: LearnerState | None


def _curriculum(tracks: list[TrackProgress]) -> list[TrackProgress]:
    """The phases and projects when there are any, else the whole library. The overview's
    milestones are the learner's own account of the same work, so they are not counted."""
    return [
        t for t in tracks if t.track.kind not in (Track.Kind.CATEGORY, Track.Kind.OVERVIEW)
    ] or [t for t in tracks if t.track.kind != Track.Kind.OVERVIEW]


def library_progress_for_user(*, user: User) -> LibraryProgress:
    tracks = guide_progress_list(user=user)
    curriculum = _curriculum(tracks)
    total = sum(t.total for t in curriculum)
    done = sum(t.done for t in curriculum)
    state = (
        LearnerState.objects.filter(user=user)
        .select_related("last_guide")
        .only(
            "last_section_anchor",
            "last_visited_at",
            "user_id",
            "last_guide__slug",
            "last_guide__title",
        )
        .first()
    )
    return LibraryProgress(
        by_guide={entry.guide.pk: entry for track in tracks for entry in track.guides},
        overall_percent=round(100 * done / total) if total else 0,
        state=state,
    )


def milestone_groups_for_user(*, user: User, tracks: list[TrackProgress]) -> list[MilestoneGroup]:
    """The overview README's milestones under their headings, each with the user's own state
    and, where it names one, the completion of the phase, guide or exercise (with the
    exercises under it). Titles and figures of phases and guides come from `tracks`, so this is
    one query for the milestones and one for the exercises they name."""
    milestones = list(
        Milestone.objects.filter(guide_part_visible_q("item__"))
        .annotate(state=_own_state(user=user, item=OuterRef("item")))
        .order_by("item__guide__track__position", "item__guide__position", "item__position")
        .values_list(
            "group", "item_id", "item__key", "item__text", "state",
            "linked_track_id", "linked_guide_id", "linked_item_id",
        )
    )  # fmt: skip
    by_track = {t.track.pk: t for t in tracks}
    by_guide = {g.guide.pk: g for t in tracks for g in t.guides}
    exercises = _exercise_percents(user=user, item_ids={m[7] for m in milestones if m[7]})
    groups: dict[str, MilestoneGroup] = {}
    for group_title, item_id, key, text, state, track_id, guide_id, linked_item_id in milestones:
        linked = None
        if track_id in by_track:
            track = by_track[track_id]
            linked = MilestoneLinkProgress(
                track.track.title, track.track.get_absolute_url(), track.percent
            )
        elif guide_id in by_guide:
            guide = by_guide[guide_id]
            linked = MilestoneLinkProgress(
                guide.guide.title, guide.guide.get_absolute_url(), guide.percent
            )
        elif linked_item_id in exercises and exercises[linked_item_id].guide_id in by_guide:
            exercise = exercises[linked_item_id]
            owner = by_guide[exercise.guide_id].guide
            linked = MilestoneLinkProgress(
                f"{owner.title}: {exercise.text}",
                f"{owner.get_absolute_url()}#taskbox-{exercise.key}",
                exercise.percent,
            )
        group = groups.setdefault(group_title, MilestoneGroup(title=group_title))
        group.milestones.append(
            MilestoneRow(
                item_id=item_id,
                key=key,
                text=text,
                state=state or TaskProgress.State.TODO,
                linked=linked,
            )
        )
    return list(groups.values())


@dataclass
class _ExerciseProgress:
    guide_id: int
    key: str
    text: str
    percent: int


def _own_state(*, user: User, item: OuterRef) -> Subquery:
    """The user's state of the item the outer query is on; NULL when they never touched it."""
    return Subquery(TaskProgress.objects.filter(user=user, item=item).values("state")[:1])


def _exercise_percents(*, user: User, item_ids: set[int]) -> dict[int, _ExerciseProgress]:
    """For each exercise, the share of it and the exercises nested under it the user has done
    or skipped. One query, over the visible guides those exercises belong to."""
    if not item_ids:
        return {}
    guides = TaskItem.objects.filter(pk__in=item_ids).values("guide_id")
    rows = (
        TaskItem.objects.visible()
        .filter(guide_id__in=guides)
        .annotate(state=_own_state(user=user, item=OuterRef("pk")))
        .values_list("pk", "guide_id", "key", "parent_key", "text", "state")
    )
    children: dict[tuple[int, str], list[str]] = {}
    done: dict[tuple[int, str], bool] = {}
    found: dict[int, tuple[int, str, str]] = {}
    for pk, guide_id, key, parent_key, text, state in rows:
        children.setdefault((guide_id, parent_key), []).append(key)
        done[(guide_id, key)] = state in COMPLETE_STATES
        if pk in item_ids:
            found[pk] = (guide_id, key, text)
    progress: dict[int, _ExerciseProgress] = {}
    for pk, (guide_id, key, text) in found.items():
        subtree, stack = [], [key]
        while stack:
            current = stack.pop()
            subtree.append(current)
            stack.extend(children.get((guide_id, current), []))
        finished = sum(1 for k in subtree if done[(guide_id, k)])
        progress[pk] = _ExerciseProgress(guide_id, key, text, round(100 * finished / len(subtree)))
    return progress


def dashboard_for_user(*, user: User) -> Dashboard:
    tracks = guide_progress_list(user=user)
    curriculum = _curriculum(tracks)
    total = sum(t.total for t in curriculum)
    done = sum(t.done for t in curriculum)
    in_progress = list(
        TaskItem.objects.visible()
        .filter(progress__user=user, progress__state=TaskProgress.State.IN_PROGRESS)
        .select_related("guide")
        .defer(*_light("guide__"))
        .order_by("-progress__updated_at")[:8]
    )
    next_item = (
        TaskItem.objects.visible()
        .exclude(guide__track__kind=Track.Kind.OVERVIEW)  # "up next" is an exercise to do
        # ... that the learner has not started: started ones are listed under "In progress".
        .exclude(
            progress__user=user,
            progress__state__in=(*COMPLETE_STATES, TaskProgress.State.IN_PROGRESS),
        )
        .select_related("guide")
        .defer(*_light("guide__"))
        .order_by("guide__track__position", "guide__position", "position")
        .first()
    )
    state = (
        LearnerState.objects.filter(user=user)
        .select_related("last_guide")
        .defer(*_light("last_guide__"))
        .first()
    )
    today = user_local_date(user=user)
    start = today - datetime.timedelta(days=364)
    counts = dict(
        ActivityDay.objects.filter(user=user, day__gte=start, day__lte=today).values_list(
            "day", F("reads") + F("ticks") + F("reviews")
        )
    )
    weeks = _heatmap(start=start, today=today, counts=counts)
    streak = _streak(today=today, counts=counts) if state and state.streak_enabled else None
    return Dashboard(
        tracks=tracks,
        overall_percent=round(100 * done / total) if total else 0,
        in_progress=in_progress,
        next_item=next_item,
        state=state,
        weeks=weeks,
        active_days=sum(1 for count in counts.values() if count),
        streak=streak,
        archived=archived_items_with_progress(user=user),
        milestones=milestone_groups_for_user(user=user, tracks=tracks),
    )


def _heatmap(
    *, start: datetime.date, today: datetime.date, counts: dict[datetime.date, int]
) -> list[list[HeatDay | None]]:
    """Columns of weeks (Monday first), as GitHub draws contributions."""
    first_monday = start - datetime.timedelta(days=start.weekday())
    weeks: list[list[HeatDay | None]] = []
    day = first_monday
    while day <= today:
        week: list[HeatDay | None] = []
        for _ in range(7):
            week.append(HeatDay(day, counts.get(day, 0)) if start <= day <= today else None)
            day += datetime.timedelta(days=1)
        weeks.append(week)
    return weeks


def _streak(*, today: datetime.date, counts: dict[datetime.date, int]) -> int:
    """Consecutive active days ending today, or yesterday when today has no activity yet."""
    day = today if counts.get(today) else today - datetime.timedelta(days=1)
    streak = 0
    while counts.get(day):
        streak += 1
        day -= datetime.timedelta(days=1)
    return streak


def archived_items_with_progress(*, user: User) -> list[TaskProgress]:
    """Exercises removed from their guide that the user had touched: kept, shown as archived."""
    return list(
        TaskProgress.objects.filter(user=user, item__is_archived=True)
        .exclude(state=TaskProgress.State.TODO)
        .select_related("item__guide")
        .defer(*_light("item__guide__"))
        .order_by("-updated_at")[:20]
    )


def progress_export(*, user: User) -> dict:
    """Everything the user has ticked or read, keyed so it can be re-imported or audited."""
    progress = {
        p.item_id: p for p in TaskProgress.objects.filter(user=user).select_related("item__guide")
    }
    reads = SectionRead.objects.filter(user=user).select_related("section__guide")
    guides: dict[str, dict] = {}
    for entry in progress.values():
        guide = entry.item.guide
        data = guides.setdefault(
            guide.slug, {"slug": guide.slug, "title": guide.title, "items": [], "sections_read": []}
        )
        data["items"].append(
            {
                "key": entry.item.key,
                "text": entry.item.text,
                "state": entry.state,
                "archived": entry.item.is_archived,
                "updated_at": entry.updated_at.isoformat(),
            }
        )
    for read in reads:
        guide = read.section.guide
        data = guides.setdefault(
            guide.slug, {"slug": guide.slug, "title": guide.title, "items": [], "sections_read": []}
        )
        data["sections_read"].append(read.section.anchor)
    return {"user": user.email, "guides": sorted(guides.values(), key=lambda g: g["slug"])}


def progress_export_markdown(*, user: User) -> str:
    """Each guide's checklist with this user's boxes ticked, in the guide's order."""
    states = dict(TaskProgress.objects.filter(user=user).values_list("item_id", "state"))
    items = (
        TaskItem.objects.filter(guide_visible_q("guide__"))
        .filter(Q(is_archived=False) | Q(pk__in=list(states)))
        .select_related("guide", "guide__track")
        .order_by("guide__track__position", "guide__position", "position")
    )
    lines: list[str] = [f"# Progress of {user.email}", ""]
    current = None
    for item in items:
        if item.guide_id != current:
            current = item.guide_id
            lines += ["", f"## {item.guide.title}", ""]
        state = states.get(item.pk, TaskProgress.State.TODO)
        box = "x" if state == TaskProgress.State.DONE else " "
        suffix = {"in_progress": " _(in progress)_", "skipped": " _(skipped)_"}.get(state, "")
        if item.is_archived:
            suffix += " _(archived)_"
        lines.append(f"{'  ' * item.depth}- [{box}] {item.text}{suffix}")
    return "\n".join(lines).strip() + "\n"


def learner_by_share_token(*, token: str) -> LearnerState | None:
    if not token:
        return None
    return LearnerState.objects.select_related("user").filter(share_token=token).first()
