"""A real Redis broker, real worker processes and a real SMTP server on loopback.

Thirty users are due. The SMTP server refuses the first few messages with 451 (an outage), the
first worker (solo pool) is killed with SIGKILL in the middle of a batch, and a second worker
(prefork, two processes) takes over while the dispatcher keeps running every two seconds as
beat would run it. Every user must get exactly one email and every delivery must end as sent.
"""

import asyncio
import collections
import datetime
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from email import message_from_bytes
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from apps.core.tests.services_needed import redis_or_skip
from apps.core.tests.waiting import poll_until
from apps.reminders.models import ReminderDelivery, ReminderPreference

from .factories import UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

REDIS_URL = os.environ.get("REMINDERS_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
ROOT = Path(__file__).resolve().parents[3]
USERS = 30
OUTAGE = 6  # the first six DATA commands get "451 try again later"
KILL_AFTER = 13  # kill the first worker as the 14th accepted message starts (third chunk)
DEADLINE = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    """An aiosmtpd handler: fails the first DATA commands, then records every message."""

    def __init__(self, *, fail_first: int):
        self.lock = threading.Lock()
        self.fail_first = fail_first
        self.data_commands = 0
        self.received: list[tuple[str, str]] = []  # (recipient, Message-ID)
        self.unsubscribe_headers: list[str] = []
        self.before_mail = None  # called with the count received so far

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.before_mail:
            self.before_mail(len(self.received))
        envelope.mail_from = address
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        # Not a wait: the latency of a real server, so that the first worker is still in the
        # middle of a batch when it is killed.
        await asyncio.sleep(0.02)
        with self.lock:
            self.data_commands += 1
            if self.data_commands <= self.fail_first:
                return "451 4.3.0 Mailbox busy, try again later"
            parsed = message_from_bytes(envelope.content)
            self.unsubscribe_headers.append(parsed["List-Unsubscribe"])
            for rcpt in envelope.rcpt_tos:
                self.received.append((rcpt, parsed["Message-ID"]))
        return "250 2.0.0 Accepted"


def start_worker(env: dict, log: Path, *extra: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "celery", "-A", "portal", "worker", "--loglevel", "INFO",
               "--without-gossip", "--without-mingle", "--without-heartbeat",
               "--prefetch-multiplier", "1", *extra]  # fmt: skip
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def broker_idle(redis_client, *, since: float) -> bool:
    """Nothing queued, and nothing taken since `since` by a worker still running: with late
    acknowledgement a task stays in kombu's `unacked` hash until it has finished (a retry is
    queued before its parent is acknowledged). What the killed worker held also stays there,
    taken before it was killed, until the visibility timeout hands it out again."""
    queued = sum(
        redis_client.llen(key)
        for key in redis_client.scan_iter("celery*")  # kombu's lists, one per priority step
        if redis_client.type(key) == b"list"
    )
    return queued == 0 and redis_client.zcount("unacked_index", since, "+inf") == 0


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def test_every_due_user_gets_exactly_one_email_through_outage_and_killed_worker(tmp_path):
    from aiosmtpd.controller import Controller

    from portal.celery_app import app

    redis_client = redis_or_skip(REDIS_URL, needed_for="the integration test")
    redis_client.flushdb()  # DB 5 belongs to these tests

    now = timezone.now()
    for n in range(USERS):
        user = UserFactory(email=f"learner{n}@example.com")
        ReminderPreference.objects.create(
            user=user, enabled=True, skip_if_studied_today=False,
            next_due_at=now - datetime.timedelta(minutes=1),
            next_due_local_date=now.date(),
        )  # fmt: skip

    mailbox = Mailbox(fail_first=OUTAGE)
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()

    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.integration",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DATABASE_NAME": db["NAME"],
        "DATABASE_CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_VISIBILITY_TIMEOUT": "30",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "REMINDERS_SEND_CHUNK": "8",
        "REMINDERS_RETRY_BASE_SECONDS": "0.5",
        "REMINDERS_RETRY_MAX_COUNTDOWN": "2",
        "REMINDERS_REQUEUE_AFTER_SECONDS": "4",
        "REMINDERS_MAX_ATTEMPTS": "20",
    }
    if not db["HOST"] or db["HOST"].startswith("/"):
        # The embedded PostgreSQL (no DATABASE_URL) listens on a socket directory: the worker
        # finds the same server the same way and only needs the test database's name.
        del env["DATABASE_URL"]
    elif db.get("PASSWORD"):
        env["DATABASE_URL"] = env["DATABASE_URL"].replace(
            f"{db['USER']}@", f"{db['USER']}:{db['PASSWORD']}@"
        )
    log = tmp_path / "workers.log"
    workers: list[subprocess.Popen] = []
    killed = threading.Event()
    sent_when_killed: list[int] = []
    killed_at: list[float] = []

    def kill_first_worker(received: int) -> None:
        if received >= KILL_AFTER and not killed.is_set():
            killed.set()
            sent_when_killed.append(received)
            killed_at.append(time.time())
            os.killpg(workers[0].pid, signal.SIGKILL)

    mailbox.before_mail = kill_first_worker
    broker = app.connection_for_write(REDIS_URL)

    def dispatch() -> None:
        app.send_task("apps.reminders.tasks.reminder_dispatch_task", connection=broker)

    try:
        workers.append(start_worker(env, log, "--pool", "solo"))
        dispatch()
        dispatch()  # two dispatchers racing, as two beats would
        second_started = False

        def beat_until_every_delivery_ended() -> bool:
            nonlocal second_started
            if killed.is_set() and not second_started:
                workers[0].wait(timeout=10)
                workers.append(start_worker(env, log, "--pool", "prefork", "--concurrency", "2"))
                second_started = True
            if second_started:
                dispatch()  # beat's job: picks up what the dead worker held
            done = ReminderDelivery.objects.exclude(status="pending").count()
            return second_started and done == USERS

        # Polled at beat's cadence in this test (every two seconds); the assertions below say
        # what is missing if the deadline passes.
        poll_until(beat_until_every_delivery_ended, timeout=DEADLINE, interval=2)
        # Anything still in flight (a retry waiting for its countdown, a send under way) lands
        # before the counts are read, so a duplicate would show.
        poll_until(lambda: broker_idle(redis_client, since=killed_at[0]), timeout=DEADLINE)
    finally:
        for worker in workers:
            stop(worker)
        broker.release()
        controller.stop()

    output = log.read_text(errors="replace")[-6000:]
    assert killed.is_set(), f"the first worker was never killed mid-batch\n{output}"
    assert workers[0].returncode == -signal.SIGKILL
    assert sent_when_killed[0] < USERS
    counts = collections.Counter(rcpt for rcpt, _ in mailbox.received)
    expected = {f"learner{n}@example.com" for n in range(USERS)}
    assert set(counts) == expected, f"missing: {expected - set(counts)}\n{output}"
    assert [r for r, c in counts.items() if c > 1] == [], output
    statuses = collections.Counter(ReminderDelivery.objects.values_list("status", flat=True))
    assert statuses == {"sent": USERS}, output
    assert ReminderDelivery.objects.filter(attempts__gt=1).count() >= 1
    assert mailbox.data_commands >= USERS + OUTAGE
    assert len({message_id for _, message_id in mailbox.received}) == USERS
    assert all(
        h.startswith("<http://127.0.0.1:8000/reminders/unsubscribe/") and h.endswith("/>")
        for h in mailbox.unsubscribe_headers
    ), mailbox.unsubscribe_headers[:2]
