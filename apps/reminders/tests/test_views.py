"""The preferences page, pause/resume and the RFC 8058 unsubscribe link, as users meet them."""

import datetime

import pytest
import time_machine
from django.test import Client

from apps.reminders import services
from apps.reminders.models import ReminderPreference

from .factories import UserFactory

pytestmark = pytest.mark.django_db
VALID = {
    "enabled": "on",
    "frequency": "daily",
    "weekdays": ["0", "2", "4"],
    "local_time": "07:30",
    "timezone": "Europe/Paris",
    "skip_if_studied_today": "on",
}


@pytest.fixture
def learner(client):
    user = UserFactory(email="ada@example.com", display_name="Ada")
    client.force_login(user)
    return user


def test_login_required():
    response = Client().get("/reminders/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Client().post("/reminders/pause/").status_code == 302
    assert not ReminderPreference.objects.exists()


def test_first_visit_shows_the_form_without_saving_anything(client, learner):
    page = client.get("/reminders/").content.decode()
    assert "Reading reminders" in page
    assert "data-timezone-fresh" in page and 'value="UTC"' in page
    assert '<option value="America/New_York">' in page
    assert "/static/js/reminders.js" in page and "<script>" not in page
    assert not ReminderPreference.objects.exists()


@time_machine.travel(datetime.datetime(2026, 11, 20, 12, 0, tzinfo=datetime.UTC), tick=False)
def test_saving_preferences_schedules_the_next_reminder(client, learner):
    response = client.post("/reminders/", VALID)
    assert response.status_code == 302 and response["Location"] == "/reminders/"
    preference = ReminderPreference.objects.get(user=learner)
    learner.refresh_from_db()
    assert learner.timezone == "Europe/Paris"
    assert (preference.enabled, preference.weekdays, preference.local_time) == (
        True, 0b10101, datetime.time(7, 30),
    )  # fmt: skip
    # Friday 20 Nov, 13:00 in Paris: the next chosen day is Monday 23 Nov, 07:30 CET.
    assert preference.next_due_at == datetime.datetime(2026, 11, 23, 6, 30, tzinfo=datetime.UTC)
    page = client.get("/reminders/").content.decode()
    assert "Saved. Reminders are on." in page
    assert "Monday 23 November at 07:30" in page
    assert "Mon, Wed, Fri at 07:30" in page


def test_htmx_save_returns_the_panel_partial(client, learner):
    response = client.post("/reminders/", VALID, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="reminders-panel"')
    assert "<html" not in html and "Saved. Reminders are on." in html


@pytest.mark.parametrize(
    ("change", "field_error"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, "is not a time zone we know"),
        ({"timezone": ""}, "This field is required."),
        ({"local_time": "25:61"}, "Enter a time such as 07:30"),
        ({"local_time": "soon"}, "Enter a time such as 07:30"),
        ({"weekdays": []}, "Choose at least one day."),
        ({"weekdays": ["9"]}, "Select a valid choice."),
        ({"frequency": "hourly"}, "Select a valid choice."),
        ({"frequency": "weekly"}, "For a weekly reminder, choose exactly one day."),
        ({"frequency": "weekdays", "weekdays": ["5", "6"]}, "needs at least one day from Monday"),
    ],
)
def test_bad_input_shows_clear_errors_and_saves_nothing(client, learner, change, field_error):
    response = client.post("/reminders/", {**VALID, **change})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was saved." in html and field_error in html
    assert not ReminderPreference.objects.exists()
    learner.refresh_from_db()
    assert learner.timezone == "UTC"
    htmx = client.post("/reminders/", {**VALID, **change}, headers={"HX-Request": "true"})
    assert htmx.status_code == 200 and field_error in htmx.content.decode()


def test_turning_off_keeps_settings_and_clears_the_schedule(client, learner):
    client.post("/reminders/", VALID)
    client.post("/reminders/", {**VALID, "enabled": ""})
    preference = ReminderPreference.objects.get(user=learner)
    assert not preference.enabled and preference.next_due_at is None
    assert preference.local_time == datetime.time(7, 30)
    assert "No reminders are sent." in client.get("/reminders/").content.decode()


@time_machine.travel(datetime.datetime(2026, 11, 20, 12, 0, tzinfo=datetime.UTC), tick=False)
def test_pause_a_week_and_resume_with_one_click(client, learner):
    client.post("/reminders/", {**VALID, "weekdays": [str(d) for d in range(7)]})
    response = client.post("/reminders/pause/")
    assert response.status_code == 302
    preference = ReminderPreference.objects.get(user=learner)
    assert preference.paused_until == datetime.datetime(2026, 11, 27, 12, tzinfo=datetime.UTC)
    assert preference.next_due_local_date == datetime.date(2026, 11, 28)
    page = client.get("/reminders/").content.decode()
    assert "Paused" in page and "Friday 27 November" in page and "Resume now" in page
    response = client.post("/reminders/resume/", headers={"HX-Request": "true"})
    assert '<div id="reminders-panel"' in response.content.decode()
    preference.refresh_from_db()
    assert preference.paused_until is None
    assert preference.next_due_local_date == datetime.date(2026, 11, 21)
    assert client.get("/reminders/pause/").status_code == 405


def test_state_changes_need_csrf(learner):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(learner)
    assert strict.post("/reminders/", VALID).status_code == 403
    assert strict.post("/reminders/pause/").status_code == 403
    assert not ReminderPreference.objects.exists()


def test_each_user_sees_and_changes_only_their_own(client, learner):
    client.post("/reminders/", VALID)
    other = UserFactory(email="bob@example.com")
    bob = Client()
    bob.force_login(other)
    bob.post("/reminders/pause/")
    assert ReminderPreference.objects.get(user=learner).paused_until is None
    assert "Mon, Wed, Fri" not in bob.get("/reminders/").content.decode()


def test_preview_renders_the_email(client, learner):
    html = client.get("/reminders/preview/").content.decode()
    assert "Hello Ada," in html and "Stop reminders" in html
    text = client.get("/reminders/preview/?format=text")
    assert text["Content-Type"].startswith("text/plain")


# Unsubscribe --------------------------------------------------------------------------------


@pytest.fixture
def subscribed(client, learner):
    client.post("/reminders/", VALID)
    return learner


def test_get_shows_a_confirmation_and_changes_nothing(subscribed):
    token = services.unsubscribe_token_make(user_id=subscribed.pk)
    response = Client().get(f"/reminders/unsubscribe/{token}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Stop reading reminders?" in html and "a•••@example.com" in html
    assert f'action="/reminders/unsubscribe/{token}/"' in html
    assert response["Referrer-Policy"] == "no-referrer"
    assert ReminderPreference.objects.get(user=subscribed).enabled


def test_one_click_post_without_cookies_or_session_turns_reminders_off(subscribed):
    token = services.unsubscribe_token_make(user_id=subscribed.pk)
    mail_client = Client(enforce_csrf_checks=True)  # no session, no CSRF cookie
    response = mail_client.post(
        f"/reminders/unsubscribe/{token}/", {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    assert "Reminders are off" in response.content.decode()
    preference = ReminderPreference.objects.get(user=subscribed)
    assert not preference.enabled and preference.next_due_at is None
    assert not response.cookies.get("sessionid")
    # Twice is fine.
    assert mail_client.post(f"/reminders/unsubscribe/{token}/").status_code == 200


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # signature
        lambda token: "9999" + token[token.index(":") :],  # someone else's id, same signature
        lambda token: "not-a-token",
        lambda token: token.split(":")[0],
    ],
)
def test_tampered_tokens_get_a_clear_400_and_change_nothing(subscribed, mangle):
    token = mangle(services.unsubscribe_token_make(user_id=subscribed.pk))
    for method in ("get", "post"):
        response = getattr(Client(), method)(f"/reminders/unsubscribe/{token}/")
        assert response.status_code == 400
        assert "This unsubscribe link is not valid. Nothing was changed." in (
            response.content.decode()
        )
    assert ReminderPreference.objects.get(user=subscribed).enabled


def test_expired_tokens_are_refused(subscribed):
    with time_machine.travel(datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC), tick=False):
        token = services.unsubscribe_token_make(user_id=subscribed.pk)
    with time_machine.travel(datetime.datetime(2026, 2, 20, tzinfo=datetime.UTC), tick=False):
        assert Client().get(f"/reminders/unsubscribe/{token}/").status_code == 200
    with time_machine.travel(datetime.datetime(2026, 3, 3, tzinfo=datetime.UTC), tick=False):
        response = Client().post(f"/reminders/unsubscribe/{token}/")
    assert response.status_code == 400 and "has expired" in response.content.decode()
    assert ReminderPreference.objects.get(user=subscribed).enabled


def test_tokens_from_other_signers_do_not_work(subscribed):
    from django.core import signing

    forged = signing.TimestampSigner(salt="progress.share").sign(str(subscribed.pk))
    assert Client().post(f"/reminders/unsubscribe/{forged}/").status_code == 400
    assert ReminderPreference.objects.get(user=subscribed).enabled


def test_the_page_runs_a_constant_number_of_queries(client, learner, django_assert_num_queries):
    from apps.reminders.models import ReminderDelivery

    client.post("/reminders/", VALID)
    for day in range(1, 20):
        ReminderDelivery.objects.create(
            user=learner, local_date=datetime.date(2026, 10, day), status="sent"
        )
    with django_assert_num_queries(4):  # session, user, preference, recent deliveries
        assert client.get("/reminders/").status_code == 200


def test_the_dispatch_command(queued, capsys):
    from django.core.management import call_command

    call_command("reminders_dispatch")
    assert "claimed 0, already claimed 0, queued again 0" in capsys.readouterr().out
