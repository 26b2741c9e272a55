"""Reads for the statistics page: reviews per day, true retention per month and the due-card
forecast, each one grouped query in the learner's time zone."""

import datetime
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import TruncDate, TruncMonth

from apps.accounts.models import User
from apps.flashcards.models import CardState, ReviewLog

DAYS = 30
MONTHS = 12


@dataclass(frozen=True)
class Bar:
    label: str  # short, under the axis
    title: str  # the full reading, for the tooltip and the data table
    value: float
    height: float  # 0-100, share of the chart's tallest bar
    x: int  # left edge in the chart's viewBox (10 units a bar)

    @property
    def y(self) -> float:
        return round(100 - self.height, 1)


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    unit: str

    @property
    def total(self) -> float:
        return sum(bar.value for bar in self.bars)

    @property
    def peak(self) -> float:
        return max((bar.value for bar in self.bars), default=0)

    @property
    def width(self) -> int:
        return 10 * len(self.bars)


@dataclass(frozen=True)
class ReviewStatistics:
    reviews: Chart
    retention: Chart
    forecast: Chart
    reviews_total: int
    retention_overall: int | None  # percent over the whole period, None without reviews


def _zone(user: User) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(user.timezone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _bars(rows: Sequence[tuple[str, str, float]]) -> list[Bar]:
    peak = max((value for _, _, value in rows), default=0) or 1
    return [
        Bar(label, title, value, round(100 * value / peak, 1), 10 * index)
        for index, (label, title, value) in enumerate(rows)
    ]


def review_statistics(*, user: User, now: datetime.datetime) -> ReviewStatistics:
    zone = _zone(user)
    today = now.astimezone(zone).date()
    first_day = today - datetime.timedelta(days=DAYS - 1)
    since = datetime.datetime.combine(first_day, datetime.time.min, tzinfo=zone)
    per_day = dict(
        ReviewLog.objects.filter(user=user, reviewed_at__gte=since)
        .annotate(day=TruncDate("reviewed_at", tzinfo=zone))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
        .order_by()
    )
    days = [first_day + datetime.timedelta(days=n) for n in range(DAYS)]
    reviews = [
        (
            f"{day:%-d}",
            f"{day:%a %-d %b}: {per_day.get(day, 0)} review{'s' * (per_day.get(day, 0) != 1)}",
            per_day.get(day, 0),
        )
        for day in days
    ]

    # True retention: of the reviews of cards that had graduated (state Review before the
    # answer), the share not answered "Again". Learning steps are left out, as Anki does.
    year, month_index = divmod(today.year * 12 + today.month - 1 - (MONTHS - 1), 12)
    first_month = datetime.date(year, month_index + 1, 1)
    month_start = datetime.datetime.combine(first_month, datetime.time.min, tzinfo=zone)
    per_month = {
        month.date() if isinstance(month, datetime.datetime) else month: (total, passed)
        for month, total, passed in ReviewLog.objects.filter(
            user=user, reviewed_at__gte=month_start, state_before=CardState.State.REVIEW
        )
        .annotate(month=TruncMonth("reviewed_at", tzinfo=zone))
        .values("month")
        .annotate(
            total=Count("pk"), passed=Count("pk", filter=Q(rating__gt=ReviewLog.Rating.AGAIN))
        )
        .values_list("month", "total", "passed")
        .order_by()
    }
    months = []
    month = first_month
    while month <= today:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    retention = []
    for month in months:
        total, passed = per_month.get(month, (0, 0))
        percent = round(100 * passed / total) if total else 0
        reading = f"{percent}% of {total} review{'s' * (total != 1)}" if total else "no reviews"
        retention.append((f"{month:%b}", f"{month:%B %Y}: {reading}", percent))
    all_total = sum(total for total, _ in per_month.values())
    all_passed = sum(passed for _, passed in per_month.values())

    # Forecast: cards already studied falling due on each of the next 30 local days; overdue
    # cards count on today.
    until = datetime.datetime.combine(
        today + datetime.timedelta(days=DAYS), datetime.time.min, tzinfo=zone
    )
    due = dict(
        CardState.objects.filter(user=user, due__lt=until, is_suspended=False)
        .exclude(state=CardState.State.NEW)
        .annotate(day=TruncDate("due", tzinfo=zone))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
        .order_by()
    )
    overdue = sum(n for day, n in due.items() if day < today)
    ahead = [today + datetime.timedelta(days=n) for n in range(DAYS)]
    forecast = []
    for day in ahead:
        count = due.get(day, 0) + (overdue if day == today else 0)
        forecast.append(
            (f"{day:%-d}", f"{day:%a %-d %b}: {count} card{'s' * (count != 1)} due", count)
        )
    return ReviewStatistics(
        reviews=Chart(_bars(reviews), "reviews"),
        retention=Chart(_bars(retention), "% retained"),
        forecast=Chart(_bars(forecast), "cards due"),
        reviews_total=sum(per_day.values()),
        retention_overall=round(100 * all_passed / all_total) if all_total else None,
    )
