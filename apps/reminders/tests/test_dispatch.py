"""The dispatcher: who is due, claims that cannot double, back-off, and what gets queued."""

import datetime
import threading

import pytest
from django.db import connection

from apps.progress.models import ActivityDay
from apps.reminders.models import ReminderDelivery, ReminderPreference
from apps.reminders.services import reminder_dispatch, reminder_pause, reminder_resume

UTC = datetime.UTC


def utc(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


def collect():
    batches: list[list[int]] = []
    return batches, batches.append


@pytest.mark.django_db
def test_due_users_are_claimed_once_and_queued_in_chunks(make_preference):
    now = utc(2026, 11, 20, 12, 0)
    due = [make_preference(now=now - datetime.timedelta(days=1), local_time=datetime.time(11, 0))
           for _ in range(5)]  # fmt: skip
    later = make_preference(now=now, local_time=datetime.time(13, 0))
    off = make_preference(now=now - datetime.timedelta(days=1), enabled=False)
    batches, enqueue = collect()

    result = reminder_dispatch(now=now, chunk_size=2, enqueue=enqueue)

    assert result.claimed == 5
    assert [len(b) for b in batches] == [2, 2, 1]
    deliveries = ReminderDelivery.objects.all()
    assert {d.user_id for d in deliveries} == {p.user_id for p in due}
    assert {d.local_date for d in deliveries} == {datetime.date(2026, 11, 20)}
    assert all(d.status == "pending" for d in deliveries)
    for preference in due:
        preference.refresh_from_db()
        assert preference.next_due_at == utc(2026, 11, 21, 11, 0)
        assert preference.last_reminded_on == datetime.date(2026, 11, 20)
    assert not ReminderDelivery.objects.filter(user__in=[later.user, off.user]).exists()

    again = reminder_dispatch(now=now + datetime.timedelta(minutes=5), enqueue=enqueue)
    assert again.claimed == 0
    assert ReminderDelivery.objects.count() == 5


@pytest.mark.django_db
def test_the_dispatcher_uses_the_partial_index(make_preference):
    now = utc(2026, 11, 20, 12, 0)
    make_preference(now=now - datetime.timedelta(days=1), local_time=datetime.time(11, 0))
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM reminders_reminderpreference "
            "WHERE enabled AND next_due_at <= %s ORDER BY next_due_at",
            [now],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "reminderpref_due_idx" in plan


@pytest.mark.django_db
def test_a_day_that_already_has_a_delivery_is_not_claimed_again_and_moves_on(make_preference):
    now = utc(2026, 11, 20, 12, 0)
    preference = make_preference(now=now - datetime.timedelta(days=1),
                                 local_time=datetime.time(11, 0))  # fmt: skip
    ReminderDelivery.objects.create(user=preference.user, local_date=datetime.date(2026, 11, 20),
                                    status="sent")  # fmt: skip
    batches, enqueue = collect()
    result = reminder_dispatch(now=now, enqueue=enqueue)
    assert (result.claimed, result.already_claimed, batches) == (0, 1, [])
    preference.refresh_from_db()
    assert preference.next_due_local_date == datetime.date(2026, 11, 21)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("zone", "at", "start", "expected_utc"),
    [
        # New York springs forward on 2026-03-08: 02:30 does not exist, 03:00 EDT is 07:00 UTC.
        ("America/New_York", datetime.time(2, 30), utc(2026, 3, 6, 0),
         [utc(2026, 3, 6, 7, 30), utc(2026, 3, 7, 7, 30), utc(2026, 3, 8, 7, 0),
          utc(2026, 3, 9, 6, 30)]),
        # ... and falls back on 2026-11-01: 01:30 happens twice, only the first counts.
        ("America/New_York", datetime.time(1, 30), utc(2026, 10, 30, 12),
         [utc(2026, 10, 31, 5, 30), utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30)]),
        ("Europe/Paris", datetime.time(2, 30), utc(2026, 3, 28, 12),
         [utc(2026, 3, 29, 1, 0), utc(2026, 3, 30, 0, 30)]),
        ("Asia/Kolkata", datetime.time(7, 0), utc(2026, 3, 28, 12),
         [utc(2026, 3, 29, 1, 30), utc(2026, 3, 30, 1, 30)]),
    ],
)  # fmt: skip
def test_dispatching_every_five_minutes_across_dst_sends_once_per_local_day(
    make_preference, zone, at, start, expected_utc
):
    preference = make_preference(zone=zone, now=start, local_time=at)
    claimed_at = []
    now = start
    end = expected_utc[-1] + datetime.timedelta(minutes=5)
    while now <= end:
        result = reminder_dispatch(now=now, enqueue=lambda ids: None)
        claimed_at += [now] * result.claimed
        now += datetime.timedelta(minutes=5)
    deliveries = ReminderDelivery.objects.filter(user=preference.user).order_by("local_date")
    assert len(claimed_at) == len(expected_utc)
    # Each claim happened in the five minutes after the expected instant.
    for claimed, expected in zip(claimed_at, expected_utc, strict=True):
        assert expected <= claimed < expected + datetime.timedelta(minutes=5)
    dates = [d.local_date for d in deliveries]
    assert len(dates) == len(set(dates))


@pytest.mark.django_db
def test_weekly_and_weekdays_frequencies(make_preference):
    friday_noon = utc(2026, 11, 20, 12)
    weekdays = make_preference(now=friday_noon, frequency="weekdays", weekdays=0b1111111)
    weekly = make_preference(now=friday_noon, frequency="weekly", weekdays=0b0000100)  # Wed
    assert weekdays.next_due_local_date == datetime.date(2026, 11, 20)
    reminder_dispatch(now=utc(2026, 11, 20, 18, 1), enqueue=lambda ids: None)
    weekdays.refresh_from_db()
    assert weekdays.next_due_local_date == datetime.date(2026, 11, 23)  # Monday
    assert weekly.next_due_local_date == datetime.date(2026, 11, 25)


@pytest.mark.django_db
def test_pause_for_a_week_then_resume(make_preference):
    now = utc(2026, 11, 20, 12)
    preference = make_preference(now=now)
    reminder_pause(user=preference.user, now=now)
    preference.refresh_from_db()
    assert preference.next_due_local_date == datetime.date(2026, 11, 27)
    assert reminder_dispatch(now=utc(2026, 11, 21, 18, 1), enqueue=lambda ids: None).claimed == 0
    reminder_resume(user=preference.user, now=utc(2026, 11, 21, 12))
    preference.refresh_from_db()
    assert preference.paused_until is None
    assert preference.next_due_local_date == datetime.date(2026, 11, 21)


@pytest.mark.django_db
def test_ignored_reminders_back_off_and_any_activity_resets(make_preference):
    preference = make_preference(now=utc(2026, 11, 1, 12))
    now = utc(2026, 11, 1, 18, 1)
    claimed: list[datetime.date] = []
    while now < utc(2026, 11, 20):
        if reminder_dispatch(now=now, enqueue=lambda ids: None).claimed:
            claimed.append(now.date())
        now += datetime.timedelta(hours=6)
    streaks = list(
        ReminderDelivery.objects.filter(user=preference.user)
        .order_by("local_date")
        .values_list("ignored_streak", flat=True)
    )
    # Daily for the first four (the first has nothing to ignore), then every 3 days, then weekly.
    assert claimed[:4] == [datetime.date(2026, 11, d) for d in (1, 2, 3, 4)]
    assert claimed[4:6] == [datetime.date(2026, 11, 7), datetime.date(2026, 11, 10)]
    assert claimed[6] == datetime.date(2026, 11, 17)
    assert streaks[:7] == [0, 1, 2, 3, 4, 5, 6]

    ActivityDay.objects.create(user=preference.user, day=datetime.date(2026, 11, 18), reads=1)
    preference.refresh_from_db()
    reminder_dispatch(now=preference.next_due_at, enqueue=lambda ids: None)
    latest = ReminderDelivery.objects.filter(user=preference.user).latest("local_date")
    assert latest.ignored_streak == 0
    preference.refresh_from_db()
    assert preference.next_due_local_date == latest.local_date + datetime.timedelta(days=1)


@pytest.mark.django_db
def test_pending_deliveries_whose_worker_vanished_are_queued_again(make_preference):
    now = utc(2026, 11, 20, 12)
    make_preference(now=now - datetime.timedelta(days=1), local_time=datetime.time(11, 0))
    batches, enqueue = collect()
    reminder_dispatch(now=now, enqueue=enqueue)
    assert reminder_dispatch(now=now + datetime.timedelta(minutes=5), enqueue=enqueue).requeued == 0
    result = reminder_dispatch(now=now + datetime.timedelta(minutes=16), enqueue=enqueue)
    assert result.requeued == 1
    assert batches[0] == batches[-1]
    ReminderDelivery.objects.update(status="sent")
    assert reminder_dispatch(now=now + datetime.timedelta(hours=2), enqueue=enqueue).requeued == 0


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_claim_each_user_once(make_preference):
    now = utc(2026, 11, 20, 12)
    preferences = [
        make_preference(now=now - datetime.timedelta(days=1), local_time=datetime.time(11, 0))
        for _ in range(300)
    ]
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(reminder_dispatch(now=now, batch_size=40, chunk_size=7,
                                             enqueue=lambda ids: None))  # fmt: skip
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    claimed = [i for result in results for i in result.delivery_ids]
    assert len(claimed) == len(set(claimed)) == 300
    assert all(result.batches for result in results), "both dispatchers should have worked"
    assert ReminderDelivery.objects.count() == 300
    assert (
        ReminderPreference.objects.filter(
            pk__in=[p.pk for p in preferences], next_due_local_date=datetime.date(2026, 11, 21)
        ).count()
        == 300
    )
