"""Reminder dispatch for 100,000 due users, and send throughput through a real worker.

Runs against its own database (portal_bench_reminders unless DATABASE_URL says otherwise) and
Redis DB 5. It prints, from one run:
  - claim + enqueue wall time and the dispatcher process's peak RSS (measured in a child
    process, so building the data set does not count);
  - the same for two dispatchers started at once, and the duplicates (rows and broker messages);
  - emails per second through a real `celery worker` (prefork, 2 processes) for a sample of
    deliveries, into an aiosmtpd server on loopback.
Run: .venv/bin/python bench/reminders.py [--users 100000] [--sample 2000]
"""

import argparse
import base64
import datetime
import io
import json
import os
import random
import resource
import socket
import subprocess
import sys
import threading
import time
import zoneinfo
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = "portal_bench_reminders"
os.environ.setdefault("DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/5")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("DJANGO_DEBUG", "false")

ZONES = [
    "UTC", "Europe/London", "Europe/Paris", "Europe/Kyiv", "Africa/Lagos", "Africa/Nairobi",
    "Asia/Kolkata", "Asia/Kathmandu", "Asia/Shanghai", "Asia/Tokyo", "Australia/Sydney",
    "Australia/Lord_Howe", "Pacific/Auckland", "Pacific/Kiritimati", "Pacific/Pago_Pago",
    "America/Sao_Paulo", "America/New_York", "America/Chicago", "America/Denver",
    "America/Los_Angeles", "America/St_Johns", "Asia/Tehran",
]  # fmt: skip


def ensure_database() -> None:
    import psycopg

    name = os.environ["DATABASE_URL"].rsplit("/", 1)[1]
    admin = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django() -> None:
    import django

    django.setup()


def seed(users: int) -> None:
    """users due right now, spread over time zones, loaded with COPY."""
    from django.core.management import call_command
    from django.db import connection

    from apps.reminders.schedule import EVERY_DAY, next_slot

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM guides_guide LIMIT 1")
        has_guides = cursor.fetchone()
    if not has_guides:
        call_command("import_guides", str(ROOT / "content"), verbosity=0)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM reminders_reminderdelivery")
        cursor.execute("DELETE FROM reminders_reminderpreference")
        cursor.execute("DELETE FROM accounts_user WHERE email LIKE 'bench-%%@example.com'")
    now = datetime.datetime.now(datetime.UTC)
    joined = now.isoformat()
    rng = random.Random(42)
    user_rows = io.StringIO()
    for n in range(users):
        zone = ZONES[n % len(ZONES)]
        user_rows.write(f"!\tf\t\t\tf\tt\t{joined}\tbench-{n}@example.com\tLearner {n}\t{zone}\n")
    raw = connection.connection
    with raw.cursor() as cursor:
        with cursor.copy(
            "COPY accounts_user (password, is_superuser, first_name, last_name, "
            "is_staff, is_active, date_joined, email, display_name, timezone) FROM STDIN"
        ) as copy:
            copy.write(user_rows.getvalue())
        cursor.execute(
            "SELECT id, timezone FROM accounts_user "
            "WHERE email LIKE 'bench-%%@example.com' ORDER BY id"
        )
        ids = cursor.fetchall()
        zones = {name: zoneinfo.ZoneInfo(name) for name in ZONES}
        pref_rows = io.StringIO()
        for user_id, zone_name in ids:
            zone = zones[zone_name]
            # A local time that fell in the last five minutes: every user is due now.
            local = (now - datetime.timedelta(seconds=rng.randint(10, 300))).astimezone(zone)
            at = local.time().replace(second=0, microsecond=0)
            due, day = next_slot(
                after=now - datetime.timedelta(minutes=6), zone=zone, at=at, weekdays=EVERY_DAY
            )
            pref_rows.write(
                f"{user_id}\tt\t{EVERY_DAY}\t{at:%H:%M}\tdaily\tf\t0\t{due.isoformat()}\t"
                f"{day.isoformat()}\t{joined}\n"
            )
        with cursor.copy(
            "COPY reminders_reminderpreference (user_id, enabled, weekdays, local_time, "
            "frequency, skip_if_studied_today, consecutive_ignored, next_due_at, "
            "next_due_local_date, updated_at) FROM STDIN"
        ) as copy:
            copy.write(pref_rows.getvalue())
    raw.commit()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE reminders_reminderpreference")
        cursor.execute("ANALYZE accounts_user")
    print(f"seeded {users:,} due users in {time.perf_counter() - started:.1f} s")


def reset_claims() -> None:
    """Undo a dispatch: no deliveries, every preference due again."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE reminders_reminderdelivery")
        cursor.execute(
            "UPDATE reminders_reminderpreference SET next_due_at = next_due_at - interval '1 day',"
            " next_due_local_date = next_due_local_date - 1, last_reminded_on = NULL"
        )
        cursor.execute("VACUUM ANALYZE reminders_reminderpreference")


def flush_broker():
    import redis

    client = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])
    client.flushdb()
    return client


def broker_delivery_ids(client) -> list[int]:
    """Every delivery id in every batch message waiting on the Redis queue."""
    ids: list[int] = []
    for raw in client.lrange("celery", 0, -1):
        envelope = json.loads(raw)
        args = json.loads(base64.b64decode(envelope["body"]))[0]
        if envelope["headers"]["task"].endswith("reminder_send_batch_task"):
            ids.extend(args[0])
    return ids


def run_dispatcher_child(results: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, __file__, "--child-dispatch", str(results)],
        cwd=ROOT,
        env=os.environ.copy(),
    )


def peak_rss_mb() -> float:
    """VmHWM: this process's own peak RSS. (ru_maxrss would carry the parent's peak across
    fork and exec.)"""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_dispatch(results: Path) -> None:
    """One dispatcher, as the beat task runs it, timed and measured in its own process."""
    setup_django()
    from django.db import connection

    from apps.reminders.services import reminder_dispatch

    connection.ensure_connection()
    baseline = peak_rss_mb()
    started = time.perf_counter()
    result = reminder_dispatch()
    elapsed = time.perf_counter() - started
    peak = peak_rss_mb()
    results.write_text(
        json.dumps(
            {
                "claimed": result.claimed,
                "already": result.already_claimed,
                "batches": result.batches,
                "seconds": elapsed,
                "peak_mb": peak,
                "baseline_mb": baseline,
                "ids": result.delivery_ids,
            }
        )
    )


def dispatch_runs(count: int, tmp: Path) -> list[dict]:
    files = [tmp / f"dispatch-{n}.json" for n in range(count)]
    started = time.perf_counter()
    processes = [run_dispatcher_child(f) for f in files]
    for process in processes:
        if process.wait() != 0:
            sys.exit("a dispatcher failed")
    wall = time.perf_counter() - started
    runs = [json.loads(f.read_text()) for f in files]
    for run in runs:
        run["wall"] = wall
    return runs


def duplicate_rows() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT 1 FROM reminders_reminderdelivery "
            "GROUP BY user_id, local_date HAVING count(*) > 1) d"
        )
        return cursor.fetchone()[0]


def worker_throughput(sample: int, tmp: Path) -> None:
    """Send `sample` pending deliveries through a real worker into aiosmtpd."""
    from aiosmtpd.controller import Controller
    from django.db import connection

    from apps.reminders.models import ReminderDelivery
    from portal.celery_app import app

    class Sink:
        def __init__(self):
            self.count = 0
            self.lock = threading.Lock()

        async def handle_DATA(self, server, session, envelope):
            with self.lock:
                self.count += 1
            return "250 OK"

    client = flush_broker()
    ids = list(
        ReminderDelivery.objects.filter(status="pending")
        .order_by("pk")
        .values_list("pk", flat=True)[:sample]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE reminders_reminderdelivery SET status = 'skipped', "
            "reason = 'bench: not sampled' WHERE status = 'pending' AND NOT (id = ANY(%s))",
            [ids],
        )
    sink = Sink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    log = tmp / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.integration",
        "EMAIL_PORT": str(port),
        "CELERY_VISIBILITY_TIMEOUT": "3600",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool", "prefork",
         "--concurrency", "2", "--without-gossip", "--without-mingle", "--without-heartbeat",
         "--loglevel", "WARNING", "--prefetch-multiplier", "1"],
        cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        time.sleep(4)  # worker start-up is not part of the figure
        chunk = 100
        started = time.perf_counter()
        with app.connection_for_write(os.environ["CELERY_BROKER_URL"]) as broker:
            for start in range(0, len(ids), chunk):
                app.send_task(
                    "apps.reminders.tasks.reminder_send_batch_task",
                    args=[ids[start : start + chunk]],
                    connection=broker,
                )
        while True:
            left = ReminderDelivery.objects.filter(pk__in=ids, status="pending").count()
            if not left:
                break
            if time.perf_counter() - started > 600:
                sys.exit(f"worker too slow: {left} left\n{log.read_text()[-3000:]}")
            time.sleep(0.25)
        elapsed = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        controller.stop()
        client.flushdb()
    sent = ReminderDelivery.objects.filter(pk__in=ids, status="sent").count()
    print(
        f"worker (prefork, 2 processes, batches of {chunk}): {sent:,} emails in {elapsed:.1f} s"
        f" = {sent / elapsed:.0f} emails/s; SMTP server received {sink.count:,}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=2_000)
    parser.add_argument("--child-dispatch", type=Path)
    args = parser.parse_args()
    if args.child_dispatch:
        child_dispatch(args.child_dispatch)
        return
    ensure_database()
    setup_django()
    tmp = ROOT / "var" / "bench-reminders"
    tmp.mkdir(parents=True, exist_ok=True)
    seed(args.users)

    client = flush_broker()
    (run,) = dispatch_runs(1, tmp)
    queued = broker_delivery_ids(client)
    print(
        f"one dispatcher: claimed {run['claimed']:,} in {run['batches']} batches, "
        f"claim+enqueue {run['seconds']:.2f} s, peak RSS {run['peak_mb']:.0f} MB "
        f"(after Django start-up {run['baseline_mb']:.0f} MB); "
        f"{len(queued):,} ids in {client.llen('celery')} broker messages, "
        f"{len(queued) - len(set(queued))} duplicate ids, {duplicate_rows()} duplicate rows"
    )

    reset_claims()
    client = flush_broker()
    runs = dispatch_runs(2, tmp)
    ids = [i for r in runs for i in r["ids"]]
    queued = broker_delivery_ids(client)
    print(
        f"two dispatchers at once: claimed {' + '.join(f'{r["claimed"]:,}' for r in runs)} = "
        f"{len(ids):,} in {runs[0]['wall']:.2f} s wall (process start included), peak RSS "
        f"{max(r['peak_mb'] for r in runs):.0f} MB; duplicate ids claimed "
        f"{len(ids) - len(set(ids))}, on the broker {len(queued) - len(set(queued))}, "
        f"duplicate rows {duplicate_rows()}"
    )
    worker_throughput(args.sample, tmp)


if __name__ == "__main__":
    main()
