"""Reads for reminders: the preferences page and what one reminder email says."""

import datetime
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.flashcards.models import CardState
from apps.flashcards.selectors import Deck, review_counts
from apps.guides.models import Guide, Section, TaskItem, Track, guide_part_visible_q
from apps.progress.models import ActivityDay, LearnerState, SectionRead, TaskProgress
from apps.progress.selectors import COMPLETE_STATES
from apps.reminders.models import ReminderDelivery, ReminderPreference
from apps.reminders.schedule import WEEKDAY_NAMES, backoff_days

IN_PROGRESS_SHOWN = 3
SLOWDOWN_AFTER = 3


def reminder_preference_for_user(*, user: User) -> ReminderPreference:
    """The saved preference, or an unsaved default one (reminders off) to fill the form."""
    return ReminderPreference.objects.filter(user=user).first() or ReminderPreference(user=user)


def reminder_recent_deliveries(*, user: User, limit: int = 5) -> list[ReminderDelivery]:
    return list(ReminderDelivery.objects.filter(user=user).order_by("-local_date")[:limit])


# The email ----------------------------------------------------------------------------------


@dataclass
class NextSection:
    title: str
    guide_title: str
    url: str
    reading_minutes: int
    continuing: bool  # in the guide the user was last reading


@dataclass
class PhaseCompletion:
    title: str
    percent: int
    done: int
    total: int


@dataclass
class ReminderEmail:
    name: str
    local_date: datetime.date
    next_section: NextSection | None
    in_progress: list[tuple[str, str, str]]  # (exercise, guide title, url)
    in_progress_count: int
    flashcards_due: int | None
    phase: PhaseCompletion | None
    phases_complete: bool
    streak: int | None
    slowed_down_days: int | None
    ignored_streak: int
    dashboard_url: str
    preferences_url: str
    unsubscribe_url: str
    schedule: str

    @property
    def subject(self) -> str:
        if self.next_section:
            return f"Up next: {self.next_section.title}"
        if self.in_progress_count:
            return "Your exercises in progress are waiting"
        return "Your reading reminder"

    @property
    def weekday(self) -> str:
        return WEEKDAY_NAMES[self.local_date.weekday()]


def _absolute(path: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + path


@dataclass
class Curriculum:
    """What every email of a batch shares: the published sections in reading order and each
    phase's size. Read once a minute per worker process, not once per email."""

    sections: list[tuple[int, int, str, str, str, str, int]]  # id, guide, anchor, title, ...
    phase_guides: list[tuple[str, list[int], int]]  # (phase title, guide ids, items + sections)
    items_per_guide: dict[int, int]


_curriculum_cache: tuple[float, Curriculum] | None = None
CURRICULUM_TTL_SECONDS = 60.0


def reminder_curriculum(*, fresh: bool = False) -> Curriculum:
    global _curriculum_cache
    now = time.monotonic()
    if not fresh and _curriculum_cache and now - _curriculum_cache[0] < CURRICULUM_TTL_SECONDS:
        return _curriculum_cache[1]
    sections = list(
        Section.objects.visible()
        .order_by("guide__track__position", "guide__position", "position")
        .values_list("pk", "guide_id", "anchor", "title", "guide__slug", "guide__title",
                     "guide__reading_minutes")
    )  # fmt: skip
    items_per_guide = dict(
        TaskItem.objects.visible()
        .values("guide_id")
        .annotate(n=Count("pk"))
        .values_list("guide_id", "n")
    )
    sections_per_guide = Counter(guide_id for _, guide_id, *_ in sections)
    phases: dict[int, tuple[str, list[int]]] = {}
    for guide_id, track_id, title in (
        Guide.objects.visible().filter(track__kind=Track.Kind.PHASE)
        .order_by("track__position", "position")
        .values_list("pk", "track_id", "track__title")
    ):  # fmt: skip
        phases.setdefault(track_id, (title, []))[1].append(guide_id)
    phase_guides = [
        (title, guides, sum(items_per_guide.get(g, 0) + sections_per_guide[g] for g in guides))
        for title, guides in phases.values()
    ]
    curriculum = Curriculum(
        sections=sections, phase_guides=phase_guides, items_per_guide=items_per_guide
    )
    _curriculum_cache = (now, curriculum)
    return curriculum


def reminder_next_section(
    *, curriculum: Curriculum, read: set[int], last_guide_id: int | None
) -> NextSection | None:
    """The first unread section of the guide the user was reading, else of the curriculum."""
    unread = [row for row in curriculum.sections if row[0] not in read]
    chosen = next((row for row in unread if row[1] == last_guide_id), None)
    continuing = chosen is not None
    chosen = chosen or (unread[0] if unread else None)
    if chosen is None:
        return None
    _, _, anchor, title, slug, guide_title, minutes = chosen
    return NextSection(
        title=title,
        guide_title=guide_title,
        url=_absolute(reverse("guides:guide", kwargs={"slug": slug}) + f"#{anchor}"),
        reading_minutes=minutes,
        continuing=continuing,
    )


def reminder_in_progress(*, user: User) -> tuple[list[tuple[str, str, str]], int]:
    items = (
        TaskItem.objects.visible()
        .filter(progress__user=user, progress__state=TaskProgress.State.IN_PROGRESS)
        .select_related("guide")
        .only("text", "section_anchor", "key", "guide__slug", "guide__title")
        .order_by("-progress__updated_at")
    )
    shown = [
        (
            item.text,
            item.guide.title,
            _absolute(f"{item.guide.get_absolute_url()}#taskbox-{item.key}"),
        )
        for item in items[:IN_PROGRESS_SHOWN]
    ]
    count = len(shown) if len(shown) < IN_PROGRESS_SHOWN else items.count()
    return shown, count


def reminder_flashcards_due(*, user: User, now: datetime.datetime | None = None) -> int | None:
    """Flashcards left to study today (due, learning and new within today's limit), or None
    for a learner without a flashcard deck, so the email leaves the line out."""
    if not CardState.objects.filter(user=user).exists():
        return None
    deck = Deck(key="all", title="")
    return review_counts(user=user, deck=deck, now=now or timezone.now()).total


def reminder_phase_completion(
    *, user: User, curriculum: Curriculum, read: set[int]
) -> tuple[PhaseCompletion | None, bool]:
    """The first phase the user has not finished, and whether every phase is finished. Counts
    as the dashboard does: exercises done or skipped plus sections read."""
    done_per_guide = Counter(
        dict(
            TaskProgress.objects.filter(
                guide_part_visible_q("item__"), user=user, state__in=COMPLETE_STATES
            )
            .values("item__guide")
            .annotate(n=Count("pk"))
            .values_list("item__guide", "n")
        )
    )
    for section_id, guide_id, *_ in curriculum.sections:
        if section_id in read:
            done_per_guide[guide_id] += 1
    for title, guides, total in curriculum.phase_guides:
        done = sum(done_per_guide[g] for g in guides)
        if total and done < total:
            percent = round(100 * done / total)
            return PhaseCompletion(title=title, percent=percent, done=done, total=total), False
    return None, bool(curriculum.phase_guides)


def reminder_streak(*, user: User, local_date: datetime.date) -> int:
    """Consecutive active days ending today, or yesterday when today has no activity yet."""
    active = set(
        ActivityDay.objects.filter(
            user=user, day__lte=local_date, day__gte=local_date - datetime.timedelta(days=400)
        )
        .exclude(reads=0, ticks=0, reviews=0)
        .values_list("day", flat=True)
    )
    day = local_date if local_date in active else local_date - datetime.timedelta(days=1)
    streak = 0
    while day in active:
        streak += 1
        day -= datetime.timedelta(days=1)
    return streak


def reminder_schedule_text(*, preference: ReminderPreference) -> str:
    at = preference.local_time.strftime("%H:%M")
    days = preference.effective_weekdays
    if preference.frequency == ReminderPreference.Frequency.WEEKLY:
        names = [WEEKDAY_NAMES[d] + "s" for d in range(7) if days & (1 << d)]
        return f"{names[0] if names else 'once a week'} at {at}"
    if days == 0b1111111:
        return f"every day at {at}"
    if days == 0b0011111:
        return f"weekdays at {at}"
    names = [WEEKDAY_NAMES[d][:3] for d in range(7) if days & (1 << d)]
    return f"{', '.join(names)} at {at}"


def reminder_email_context(
    *,
    user: User,
    local_date: datetime.date,
    ignored_streak: int,
    preference: ReminderPreference,
    unsubscribe_url: str,
    fresh: bool = False,
) -> ReminderEmail:
    curriculum = reminder_curriculum(fresh=fresh)
    read = set(SectionRead.objects.filter(user=user).values_list("section_id", flat=True))
    row = LearnerState.objects.filter(user=user).values("last_guide_id", "streak_enabled").first()
    state: dict[str, Any] = dict(row) if row else {"last_guide_id": None, "streak_enabled": False}
    in_progress, in_progress_count = reminder_in_progress(user=user)
    phase, phases_complete = reminder_phase_completion(user=user, curriculum=curriculum, read=read)
    slowed = backoff_days(ignored_streak) if ignored_streak >= SLOWDOWN_AFTER else None
    return ReminderEmail(
        name=user.name,
        local_date=local_date,
        next_section=reminder_next_section(
            curriculum=curriculum, read=read, last_guide_id=state["last_guide_id"]
        ),
        in_progress=in_progress,
        in_progress_count=in_progress_count,
        flashcards_due=reminder_flashcards_due(user=user),
        phase=phase,
        phases_complete=phases_complete,
        streak=reminder_streak(user=user, local_date=local_date)
        if state["streak_enabled"]
        else None,
        slowed_down_days=slowed,
        ignored_streak=ignored_streak,
        dashboard_url=_absolute(reverse("progress:dashboard")),
        preferences_url=_absolute(reverse("reminders:preferences")),
        unsubscribe_url=unsubscribe_url,
        schedule=reminder_schedule_text(preference=preference),
    )
