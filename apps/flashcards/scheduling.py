"""The bridge between stored card states and the `fsrs` package; no database access here."""

import datetime
import zoneinfo
from dataclasses import dataclass
from functools import lru_cache

import fsrs

from apps.flashcards.models import CardState

# Like Anki: when nothing else is left, a learning card due within this window is shown early.
LEARN_AHEAD = datetime.timedelta(minutes=20)
RATINGS = (fsrs.Rating.Again, fsrs.Rating.Hard, fsrs.Rating.Good, fsrs.Rating.Easy)


@lru_cache(maxsize=64)
def scheduler_for(desired_retention: float) -> fsrs.Scheduler:
    # No fuzzing: the interval printed on each answer button is exactly the one applied.
    return fsrs.Scheduler(desired_retention=desired_retention, enable_fuzzing=False)


def as_fsrs_card(state: CardState) -> fsrs.Card:
    if state.state == CardState.State.NEW:
        return fsrs.Card(card_id=state.pk or 1, state=fsrs.State.Learning, step=0, due=state.due)
    return fsrs.Card(
        card_id=state.pk,
        state=fsrs.State(state.state),
        step=state.step,
        stability=state.stability,
        difficulty=state.difficulty,
        due=state.due,
        last_review=state.last_review,
    )


@dataclass(frozen=True)
class Outcome:
    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime.datetime
    last_review: datetime.datetime | None


def review(
    state: CardState, rating: int, *, now: datetime.datetime, desired_retention: float
) -> Outcome:
    card, _ = scheduler_for(desired_retention).review_card(
        as_fsrs_card(state), fsrs.Rating(rating), review_datetime=now.astimezone(datetime.UTC)
    )
    return Outcome(
        state=int(card.state),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due,
        last_review=card.last_review,
    )


def intervals(
    state: CardState, *, now: datetime.datetime, desired_retention: float
) -> dict[int, str]:
    """What each answer would do, as shown on the buttons: {1: "1m", 2: "6m", 3: "10m", 4: "8d"}."""
    return {
        int(rating): interval_label(
            review(state, rating, now=now, desired_retention=desired_retention).due - now
        )
        for rating in RATINGS
    }


def interval_label(delta: datetime.timedelta) -> str:
    seconds = max(delta.total_seconds(), 0)
    if seconds < 60:
        return "<1m"
    minutes = seconds / 60
    if minutes < 60:
        return f"{round(minutes)}m"
    hours = minutes / 60
    if hours < 24:
        return f"{round(hours)}h"
    days = hours / 24
    if days < 30:
        return f"{round(days)}d"
    if days < 365:
        return f"{days / 30:.1f}mo".replace(".0mo", "mo")
    return f"{days / 365:.1f}y".replace(".0y", "y")


def retrievability(state: CardState, *, now: datetime.datetime, desired_retention: float) -> float:
    if state.state == CardState.State.NEW:
        return 0.0
    return scheduler_for(desired_retention).get_card_retrievability(
        as_fsrs_card(state), current_datetime=now
    )


def local_day_bounds(
    timezone_name: str, now: datetime.datetime
) -> tuple[datetime.datetime, datetime.datetime]:
    """The start and end (UTC) of the learner's local day around `now`: new-card limits reset
    and review cards fall due at local midnight, whatever the offset or a DST switch."""
    try:
        zone = zoneinfo.ZoneInfo(timezone_name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    local_date = now.astimezone(zone).date()
    start = datetime.datetime.combine(local_date, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(
        local_date + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
    )
    return start.astimezone(datetime.UTC), end.astimezone(datetime.UTC)
