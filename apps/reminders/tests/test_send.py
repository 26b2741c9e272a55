"""Sending one delivery: what the email says, its headers, skips, retries and idempotency."""

import datetime
import email.policy
import smtplib
from email import message_from_bytes

import pytest
from django.core import mail

from apps.flashcards.services import deck_add_cards
from apps.guides.models import Guide, Section, TaskItem
from apps.guides.services import guides_import
from apps.progress.models import ActivityDay, LearnerState, SectionRead, TaskProgress
from apps.reminders import services, tasks
from apps.reminders.models import ReminderDelivery, ReminderPreference

pytestmark = pytest.mark.django_db
UTC = datetime.UTC
NOW = datetime.datetime(2026, 11, 20, 18, 1, tzinfo=UTC)

GUIDE = """# Queues

## Basics

Read this.

## Brokers

More.

## Exercises

- [ ] Run a broker locally
- [ ] Measure consumer lag
"""


@pytest.fixture
def library_files():
    return {"phase1-basics/INDEX.md": "# Phase 1: Basics\n", "phase1-basics/queues.md": GUIDE}


@pytest.fixture
def delivery(make_preference, library):
    preference = make_preference(now=NOW - datetime.timedelta(days=1), zone="Europe/Paris",
                                 email="ada@example.com")  # fmt: skip
    preference.user.display_name = "Ada"
    preference.user.save()
    return ReminderDelivery.objects.create(
        user=preference.user, local_date=datetime.date(2026, 11, 20)
    )


class FlakySMTP:
    """A connection that raises the given errors, then accepts."""

    def __init__(self, errors):
        self.errors = list(errors)
        self.sent = []

    def send_messages(self, messages):
        if self.errors:
            raise self.errors.pop(0)
        self.sent.extend(messages)
        return len(messages)

    def close(self):
        pass


def test_email_has_html_text_and_rfc8058_headers(delivery, settings):
    settings.PORTAL_BASE_URL = "https://learn.example.com"
    outcome = services.reminder_delivery_send(delivery_id=delivery.pk, now=NOW)
    assert outcome.status == "sent"
    (message,) = mail.outbox
    assert message.to == ["ada@example.com"]
    assert message.subject == "Up next: Basics"
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<https://learn.example.com/reminders/unsubscribe/")
    assert unsubscribe.endswith("/>")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = unsubscribe.removeprefix("<https://learn.example.com/reminders/unsubscribe/")[:-2]
    assert services.unsubscribe_token_read(token=token) == delivery.user_id
    # On the wire exactly as RFC 8058 wants it: one line, not an RFC 2047 encoded word.
    wire = message.message(policy=email.policy.SMTP).as_bytes()
    assert f"\r\nList-Unsubscribe: {unsubscribe}\r\n".encode() in wire
    assert b"\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in wire
    parsed = message_from_bytes(wire)
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert parsed["Message-ID"] == f"<reminder-{delivery.pk}-20261120@learn.example.com>"
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "Hello Ada, here is your reading for Friday." in message.body and "Hello Ada," in html
    link = "https://learn.example.com/guides/queues/#basics"
    assert link in message.body and f'href="{link}"' in html
    assert "https://learn.example.com/reminders/" in message.body
    assert "Phase 1: Basics: 0% complete (0 of 5)" in message.body
    assert "Flashcards" not in message.body and "flashcard" not in html
    assert "Streak" not in message.body
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.reason) == ("sent", 1, "")
    assert delivery.sent_at is not None


def test_email_follows_progress_and_escapes_titles(delivery):
    user = delivery.user
    basics, brokers = Section.objects.filter(anchor__in=["basics", "brokers"]).order_by("position")
    SectionRead.objects.create(user=user, section=basics)
    Section.objects.filter(pk=brokers.pk).update(
        title='<script>alert("x")</script> & <b>Brokers</b>'
    )
    lag = TaskItem.objects.get(text="Measure consumer lag")
    TaskProgress.objects.create(user=user, item=lag, state="in_progress")
    LearnerState.objects.create(user=user, last_guide=basics.guide, streak_enabled=True)
    for day in (17, 18, 19):
        ActivityDay.objects.create(user=user, day=datetime.date(2026, 11, day), reads=1)

    services.reminder_delivery_send(delivery_id=delivery.pk, now=NOW)

    (message,) = mail.outbox
    html = message.alternatives[0][0]
    assert "<script>" not in html and "<b>Brokers" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;Brokers" in html
    assert "Pick up where you left off: <script>" in message.body  # plain text stays literal
    assert "Exercises in progress (1)" in message.body
    assert "Measure consumer lag" in html
    assert "Streak: 3 days in a row" in message.body
    assert "Phase 1: Basics: 20% complete (1 of 5)" in message.body  # in progress is not done


def test_phase_completion_agrees_with_the_dashboard(delivery):
    from apps.progress.selectors import guide_progress_list
    from apps.reminders import selectors

    user = delivery.user
    SectionRead.objects.create(user=user, section=Section.objects.get(anchor="brokers"))
    TaskProgress.objects.create(
        user=user, item=TaskItem.objects.get(text="Run a broker locally"), state="skipped"
    )
    read = set(SectionRead.objects.filter(user=user).values_list("section_id", flat=True))
    phase, _ = selectors.reminder_phase_completion(
        user=user, curriculum=selectors.reminder_curriculum(fresh=True), read=read
    )
    (track,) = guide_progress_list(user=user)
    assert (phase.done, phase.total, phase.percent) == (track.done, track.total, track.percent)
    assert (phase.done, phase.total) == (2, 5)


def test_slowed_down_reminders_say_so(delivery):
    ReminderDelivery.objects.filter(pk=delivery.pk).update(ignored_streak=5)
    services.reminder_delivery_send(delivery_id=delivery.pk, now=NOW)
    (message,) = mail.outbox
    assert "your last 5 reminders went by without any reading" in message.body
    assert "next one comes in 7 days" in message.body
    assert "we are slowing down" in message.alternatives[0][0]


def test_flashcards_line_counts_what_is_left_today(delivery, guide_repo):
    services.reminder_delivery_send(delivery_id=delivery.pk, now=NOW)
    assert "Flashcards due" not in mail.outbox[0].body  # no deck, no line
    glossary = "# Terms\n\n## Glossary\n\n| Term | Description |\n|---|---|\n"
    glossary += "".join(f"| Term {n} | Meaning {n} |\n" for n in range(4))
    guides_import(path=guide_repo({"terms.md": glossary}))
    deck_add_cards(user=delivery.user, guide=Guide.objects.get(slug="terms"))
    ReminderDelivery.objects.filter(pk=delivery.pk).update(status="pending")
    mail.outbox.clear()
    services.reminder_delivery_send(delivery_id=delivery.pk, now=NOW)
    assert "Flashcards due today: 4" in mail.outbox[0].body
    assert "<strong>4</strong> flashcards due today" in mail.outbox[0].alternatives[0][0]


def test_a_sent_delivery_is_never_sent_again(delivery):
    assert services.reminder_delivery_send(delivery_id=delivery.pk, now=NOW).status == "sent"
    assert services.reminder_delivery_send(delivery_id=delivery.pk, now=NOW).status == "sent"
    assert len(mail.outbox) == 1


def test_skip_if_studied_today(delivery):
    ReminderPreference.objects.filter(user=delivery.user).update(skip_if_studied_today=True)
    ActivityDay.objects.create(user=delivery.user, day=delivery.local_date, ticks=2)
    outcome = services.reminder_delivery_send(delivery_id=delivery.pk, now=NOW)
    assert (outcome.status, outcome.reason) == ("skipped", "already studied that day")
    assert mail.outbox == []


def test_turned_off_or_paused_after_the_claim_is_skipped(delivery):
    services.reminder_pause(user=delivery.user, now=NOW)
    assert services.reminder_delivery_send(delivery_id=delivery.pk, now=NOW).status == "skipped"
    assert mail.outbox == []


def test_transient_smtp_errors_retry_with_capped_backoff(delivery, settings):
    settings.REMINDERS_RETRY_BASE_SECONDS = 60
    settings.REMINDERS_RETRY_MAX_COUNTDOWN = 1800
    settings.REMINDERS_MAX_ATTEMPTS = 8
    errors = [smtplib.SMTPServerDisconnected("gone"), ConnectionRefusedError(111, "refused")]
    errors += [smtplib.SMTPDataError(451, b"try later")] * 5
    connection = FlakySMTP(errors)
    countdowns = []
    for _ in range(7):
        outcome = services.reminder_delivery_send(
            delivery_id=delivery.pk, connection=connection, now=NOW
        )
        assert outcome.status == "pending"
        countdowns.append(outcome.retry_in)
    assert all(0 < c <= 1800 for c in countdowns)
    assert 30 <= countdowns[0] <= 60 and countdowns[6] >= 900  # grows, then stays capped
    delivery.refresh_from_db()
    assert delivery.attempts == 7 and "451" in delivery.reason
    assert (
        services.reminder_delivery_send(
            delivery_id=delivery.pk, connection=connection, now=NOW
        ).status
        == "sent"
    )
    assert len(connection.sent) == 1


def test_gives_up_after_max_attempts_and_on_permanent_errors(delivery, settings, make_preference):
    settings.REMINDERS_MAX_ATTEMPTS = 2
    connection = FlakySMTP([smtplib.SMTPDataError(451, b"busy")] * 2)
    services.reminder_delivery_send(delivery_id=delivery.pk, connection=connection, now=NOW)
    outcome = services.reminder_delivery_send(
        delivery_id=delivery.pk, connection=connection, now=NOW
    )
    assert (outcome.status, outcome.retry_in) == ("failed", None)
    assert "attempt 2: SMTPDataError" in outcome.reason

    other = ReminderDelivery.objects.create(
        user=make_preference(now=NOW).user, local_date=datetime.date(2026, 11, 20)
    )
    refused = smtplib.SMTPRecipientsRefused({"x@example.com": (550, b"no such user")})
    outcome = services.reminder_delivery_send(
        delivery_id=other.pk, connection=FlakySMTP([refused]), now=NOW
    )
    assert outcome.status == "failed" and "550" in outcome.reason


def test_batch_task_sends_and_hands_failures_to_single_retries(delivery, queued, monkeypatch):
    calls = iter([smtplib.SMTPDataError(451, b"later")])

    def flaky_send(message, connection):
        error = next(calls, None)
        if error:
            raise error
        message.connection = None
        message.send()

    monkeypatch.setattr(services, "_send", flaky_send)
    tasks.reminder_send_batch_task.run([delivery.pk])
    assert [name for name, *_ in queued] == ["one"]
    assert queued[0][1] == [delivery.pk] and 0 < queued[0][2]["countdown"] <= 1800
    tasks.reminder_send_task.run(delivery.pk)
    assert len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 2)


def test_admin_resend_requeues_after_commit(
    delivery, queued, admin_client, django_capture_on_commit_callbacks
):
    ReminderDelivery.objects.filter(pk=delivery.pk).update(
        status="failed", reason="550 gone", attempts=3
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/reminders/reminderdelivery/",
            {"action": "resend", "_selected_action": [delivery.pk]},
        )
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.reason, delivery.attempts) == ("pending", "", 0)
    assert queued == [("batch", [[delivery.pk]], {})]
    pending = admin_client.get("/admin/reminders/reminderdelivery/?status__exact=pending")
    assert f'name="_selected_action" value="{delivery.pk}"'.encode() in pending.content
    failed = admin_client.get("/admin/reminders/reminderdelivery/?status__exact=failed")
    assert f'value="{delivery.pk}"'.encode() not in failed.content


def test_admin_lists_failures_with_their_reason(delivery, admin_client):
    ReminderDelivery.objects.filter(pk=delivery.pk).update(
        status="failed", reason="550 no such user"
    )
    page = admin_client.get("/admin/reminders/reminderdelivery/?status__exact=failed")
    assert b"550 no such user" in page.content and b"Failed" in page.content
