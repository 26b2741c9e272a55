"""Reads for reminders: the preferences page and what one reminder email says."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.urls import reverse

from apps.accounts.models import User
from apps.guides.models import Section, TaskItem, Track
from apps.progress.models import ActivityDay, LearnerState, SectionRead, TaskProgress
from apps.progress.selectors import guide_progress_list
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


def _visible_sections():
    return Section.objects.filter(
        is_archived=False,
        guide__is_published=True,
        guide__is_archived=False,
        guide__track__is_archived=False,
    )


def reminder_next_section(*, user: User) -> NextSection | None:
    """The first unread section of the guide the user was reading, else of the curriculum."""
    unread = (
        _visible_sections()
        .exclude(Exists(SectionRead.objects.filter(user=user, section=OuterRef("pk"))))
        .select_related("guide")
        .only("anchor", "title", "guide__slug", "guide__title", "guide__reading_minutes")
    )
    state = LearnerState.objects.filter(user=user).only("last_guide_id").first()
    section = None
    if state and state.last_guide_id:
        section = unread.filter(guide_id=state.last_guide_id).order_by("position").first()
    continuing = section is not None
    if section is None:
        section = unread.order_by("guide__track__position", "guide__position", "position").first()
    if section is None:
        return None
    return NextSection(
        title=section.title,
        guide_title=section.guide.title,
        url=_absolute(section.get_absolute_url()),
        reading_minutes=section.guide.reading_minutes,
        continuing=continuing,
    )


def reminder_in_progress(*, user: User) -> tuple[list[tuple[str, str, str]], int]:
    items = (
        TaskItem.objects.filter(
            progress__user=user,
            progress__state=TaskProgress.State.IN_PROGRESS,
            is_archived=False,
            guide__is_published=True,
            guide__is_archived=False,
        )
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


def reminder_flashcards_due(*, user: User) -> int | None:
    """Flashcards due for review today, or None where the portal has no flashcards (yet).

    The flashcards app is built on another branch; until it is merged there is nothing to
    count and the email leaves the line out.
    """
    return None


def reminder_phase_completion(*, user: User) -> tuple[PhaseCompletion | None, bool]:
    """The first phase the user has not finished, and whether every phase is finished."""
    phases = [t for t in guide_progress_list(user=user) if t.track.kind == Track.Kind.PHASE]
    for track in phases:
        if track.total and track.done < track.total:
            return (
                PhaseCompletion(
                    title=track.track.title, percent=track.percent, done=track.done,
                    total=track.total,
                ),
                False,
            )  # fmt: skip
    return None, bool(phases)


def reminder_streak(*, user: User, local_date: datetime.date) -> int | None:
    """Consecutive active days up to yesterday (today has just begun), if the user opted in."""
    if not LearnerState.objects.filter(user=user, streak_enabled=True).exists():
        return None
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
) -> ReminderEmail:
    in_progress, in_progress_count = reminder_in_progress(user=user)
    phase, phases_complete = reminder_phase_completion(user=user)
    slowed = backoff_days(ignored_streak) if ignored_streak >= SLOWDOWN_AFTER else None
    return ReminderEmail(
        name=user.name,
        local_date=local_date,
        next_section=reminder_next_section(user=user),
        in_progress=in_progress,
        in_progress_count=in_progress_count,
        flashcards_due=reminder_flashcards_due(user=user),
        phase=phase,
        phases_complete=phases_complete,
        streak=reminder_streak(user=user, local_date=local_date),
        slowed_down_days=slowed,
        ignored_streak=ignored_streak,
        dashboard_url=_absolute(reverse("progress:dashboard")),
        preferences_url=_absolute(reverse("reminders:preferences")),
        unsubscribe_url=unsubscribe_url,
        schedule=reminder_schedule_text(preference=preference),
    )
