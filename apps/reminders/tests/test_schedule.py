"""The schedule in every time zone, across both daylight-saving switches."""

import datetime
import zoneinfo

import pytest

from apps.reminders.schedule import (
    EVERY_DAY,
    MONDAY_TO_FRIDAY,
    days_mask,
    local_instant,
    next_slot,
)

UTC = datetime.UTC
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
LORD_HOWE = zoneinfo.ZoneInfo("Australia/Lord_Howe")  # half-hour DST shift
KIRITIMATI = zoneinfo.ZoneInfo("Pacific/Kiritimati")  # UTC+14
PAGO_PAGO = zoneinfo.ZoneInfo("Pacific/Pago_Pago")  # UTC-11


def utc(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


def test_ordinary_day_is_the_local_time_in_utc():
    assert local_instant(datetime.date(2026, 1, 15), datetime.time(18, 0), PARIS) == utc(
        2026, 1, 15, 17, 0
    )


def test_spring_forward_gap_sends_at_the_first_instant_after_it():
    # 2026-03-08: New York clocks jump from 02:00 EST to 03:00 EDT; 02:30 never happens.
    instant = local_instant(datetime.date(2026, 3, 8), datetime.time(2, 30), NEW_YORK)
    assert instant == utc(2026, 3, 8, 7, 0)
    assert instant.astimezone(NEW_YORK).time() == datetime.time(3, 0)


def test_half_hour_gap_is_resolved_too():
    # Lord Howe moves 02:00 → 02:30 on 2026-10-04.
    instant = local_instant(datetime.date(2026, 10, 4), datetime.time(2, 15), LORD_HOWE)
    assert instant.astimezone(LORD_HOWE).time() == datetime.time(2, 30)


def test_fall_back_ambiguous_time_uses_the_first_occurrence():
    # 2026-11-01: 01:30 happens twice in New York (EDT, then EST).
    instant = local_instant(datetime.date(2026, 11, 1), datetime.time(1, 30), NEW_YORK)
    assert instant == utc(2026, 11, 1, 5, 30)


@pytest.mark.parametrize(
    ("zone", "at", "start", "days"),
    [
        (NEW_YORK, datetime.time(2, 30), datetime.date(2026, 3, 5), 7),  # spring forward
        (NEW_YORK, datetime.time(1, 30), datetime.date(2026, 10, 29), 7),  # fall back
        (PARIS, datetime.time(2, 30), datetime.date(2026, 3, 26), 7),
        (PARIS, datetime.time(2, 30), datetime.date(2026, 10, 22), 7),
        (LORD_HOWE, datetime.time(2, 15), datetime.date(2026, 10, 1), 7),
        (KIRITIMATI, datetime.time(23, 59), datetime.date(2026, 1, 1), 5),
        (PAGO_PAGO, datetime.time(0, 0), datetime.date(2026, 1, 1), 5),
    ],
)  # fmt: skip
def test_walking_the_schedule_gives_every_local_day_exactly_once(zone, at, start, days):
    after = datetime.datetime.combine(start, datetime.time(0, 0), tzinfo=zone).astimezone(UTC)
    after -= datetime.timedelta(seconds=1)
    seen = []
    for _ in range(days):
        instant, day = next_slot(after=after, zone=zone, at=at, weekdays=EVERY_DAY)
        assert instant > after
        assert instant.astimezone(zone).date() == day
        seen.append(day)
        after = instant
    assert seen == [start + datetime.timedelta(days=n) for n in range(days)]


def test_only_chosen_days():
    # 2026-11-20 is a Friday; Monday to Friday skips the weekend.
    after = utc(2026, 11, 20, 19, 0)
    instant, day = next_slot(
        after=after, zone=zoneinfo.ZoneInfo("UTC"), at=datetime.time(18, 0),
        weekdays=MONDAY_TO_FRIDAY,
    )  # fmt: skip
    assert day == datetime.date(2026, 11, 23)
    assert instant == utc(2026, 11, 23, 18, 0)


def test_later_today_is_still_today_and_not_before_pushes_it_out():
    zone = zoneinfo.ZoneInfo("Asia/Tokyo")
    after = utc(2026, 11, 20, 1, 0)  # 10:00 in Tokyo
    _, day = next_slot(after=after, zone=zone, at=datetime.time(18, 0), weekdays=EVERY_DAY)
    assert day == datetime.date(2026, 11, 20)
    _, day = next_slot(
        after=after, zone=zone, at=datetime.time(18, 0), weekdays=EVERY_DAY,
        not_before=datetime.date(2026, 11, 23),
    )  # fmt: skip
    assert day == datetime.date(2026, 11, 23)


def test_no_day_chosen_means_no_slot():
    assert next_slot(after=utc(2026, 1, 1), zone=PARIS, at=datetime.time(9), weekdays=0) is None


def test_days_mask_is_monday_first():
    assert days_mask([0, 6]) == 0b1000001


@pytest.mark.parametrize("at", [datetime.time(0, 0), datetime.time(2, 30)])
def test_every_zone_gets_every_day_of_2026_once(at):
    """00:00 and 02:30 are where zones put their DST switches (Santiago, Havana, Beirut...)."""
    start = datetime.date(2026, 1, 1)
    expected = [start + datetime.timedelta(days=n) for n in range(365)]
    for name in sorted(zoneinfo.available_timezones() - {"localtime", "Factory"}):
        zone = zoneinfo.ZoneInfo(name)
        after = datetime.datetime.combine(start, datetime.time(0), tzinfo=zone).astimezone(UTC)
        after -= datetime.timedelta(seconds=1)
        days = []
        for _ in expected:
            instant, day = next_slot(after=after, zone=zone, at=at, weekdays=EVERY_DAY)
            local = instant.astimezone(zone)
            assert local.date() == day, name
            # On time, or at the end of a gap that swallowed the time; never before it.
            assert local.time() >= at, name
            days.append(day)
            after = instant
        assert days == expected, name
