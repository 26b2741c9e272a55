"""When is a user's next reminder? Pure functions over zoneinfo, no database.

A reminder is due once per chosen local day at the chosen local time. Wall-clock times that do
not exist (spring forward) move to the first instant after the gap; times that happen twice
(fall back) use the first occurrence. Each local date maps to exactly one UTC instant, so the
dispatcher can never see the same day twice nor jump over one.
"""

import datetime
import functools
import zoneinfo

UTC = datetime.UTC
MONDAY_TO_FRIDAY = 0b0011111
EVERY_DAY = 0b1111111
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# After this many ignored reminders in a row, leave at least this many days between two.
BACKOFF_DAYS = ((5, 7), (3, 3))
# Far enough to find the next chosen day after any pause and the longest back-off.
SEARCH_DAYS = 7 + 7 + 7


@functools.cache
def zone_or_utc(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def days_mask(days: list[int] | set[int]) -> int:
    """Monday is bit 0, as datetime.weekday() counts."""
    mask = 0
    for day in days:
        mask |= 1 << day
    return mask


def mask_days(mask: int) -> list[int]:
    return [day for day in range(7) if mask & (1 << day)]


def local_instant(
    day: datetime.date, at: datetime.time, zone: zoneinfo.ZoneInfo
) -> datetime.datetime:
    """The UTC instant a wall-clock time happens on a date, resolving DST gaps and folds."""
    naive = datetime.datetime.combine(day, at.replace(tzinfo=None, fold=0))
    first = naive.replace(tzinfo=zone)  # fold=0: the first occurrence of an ambiguous time
    instant = first.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == naive:
        return instant
    # In a gap: fold=1 reads the time with the offset after the gap and lands before it, fold=0
    # with the offset before it and lands after it. The gap ends where the offset changes.
    low = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    high = instant
    if low > high:
        low, high = high, low
    before = low.astimezone(zone).utcoffset()
    while high - low > datetime.timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).utcoffset() == before:
            low = middle
        else:
            high = middle
    return high.replace(microsecond=0)


def backoff_days(ignored_in_a_row: int) -> int:
    for threshold, days in BACKOFF_DAYS:
        if ignored_in_a_row >= threshold:
            return days
    return 1


def next_slot(
    *,
    after: datetime.datetime,
    zone: zoneinfo.ZoneInfo,
    at: datetime.time,
    weekdays: int,
    not_before: datetime.date | None = None,
) -> tuple[datetime.datetime, datetime.date] | None:
    """The first (UTC instant, local date) strictly after `after` on a chosen day, or None."""
    if not weekdays & EVERY_DAY:
        return None
    day = after.astimezone(zone).date()
    if not_before and not_before > day:
        day = not_before
    for _ in range(SEARCH_DAYS):
        if weekdays & (1 << day.weekday()):
            instant = local_instant(day, at, zone)
            if instant > after:
                return instant, day
        day += datetime.timedelta(days=1)
    return None
