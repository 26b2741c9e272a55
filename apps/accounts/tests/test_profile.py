"""The profile page, the data export and account deletion."""

import datetime
import json

import pytest
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount, SocialToken
from django.apps import apps
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client

from apps.accounts.selectors import user_owned_relations, user_rows_count
from apps.accounts.tests.conftest import PASSWORD, make_user, sign_in
from apps.core.models import AuditEvent
from apps.core.tests.factories import AuditEventFactory
from apps.flashcards.models import CardState
from apps.flashcards.services import deck_add_cards, review_answer, review_settings_update
from apps.guides.models import Guide, ImportRun, Section, TaskItem
from apps.notes.services import note_create
from apps.progress.models import LearnerState
from apps.progress.services import learner_share_enable, section_read_set, task_progress_set
from apps.reminders.models import ReminderDelivery
from apps.reminders.services import reminder_preference_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(library):
    return make_user("alice@example.com", display_name="Alice")


def _fill(user) -> None:
    """Give `user` a row in every model on this branch that can point at a user."""
    guide = Guide.objects.get()
    task_progress_set(user=user, item_id=TaskItem.objects.first().pk, state="done")
    section_read_set(user=user, section=Section.objects.first(), read=True)
    learner_share_enable(user=user)
    note_create(user=user, guide=guide, body_markdown="My **note**", section_anchor="")
    account = SocialAccount.objects.create(user=user, provider="github", uid=f"gh-{user.pk}")
    from allauth.socialaccount.models import SocialApp

    app = SocialApp.objects.create(provider="github", name="GitHub", client_id="x", secret="y")
    SocialToken.objects.create(account=account, app=app, token="secret-access-token")
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "encrypted-secret"}
    )
    ImportRun.objects.create(source="x", started_by=user)
    deck_add_cards(user=user, guide=guide)
    card = CardState.objects.filter(user=user).first()
    review_answer(user=user, card_state_id=card.pk, rating=3, expected_reps=0)
    review_settings_update(user=user, desired_retention=0.85, new_cards_per_day=5)
    reminder_preference_update(
        user=user, enabled=True, weekdays=0b1111111, local_time=datetime.time(8),
        timezone_name="UTC", frequency="daily", skip_if_studied_today=False,
    )  # fmt: skip
    ReminderDelivery.objects.create(user=user, local_date=datetime.date(2026, 11, 1))
    AuditEventFactory(actor=user)


def test_profile_updates_name_and_time_zone(client: Client, alice) -> None:
    sign_in(client, alice.email)
    page = client.get("/profile/")
    assert page.status_code == 200
    assert "Signed in as alice@example.com" in page.content.decode()
    response = client.post("/profile/", {"display_name": "  Al  ", "timezone": "Europe/Paris"})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert (alice.display_name, alice.timezone) == ("Al", "Europe/Paris")
    response = client.post("/profile/", {"display_name": "Al", "timezone": "Mars/Olympus"})
    assert response.status_code == 400
    alice.refresh_from_db()
    assert alice.timezone == "Europe/Paris"


def test_profile_lists_connections_mfa_and_sessions(client: Client, alice) -> None:
    sign_in(client, alice.email)
    SocialAccount.objects.create(user=alice, provider="github", uid="1")
    Authenticator.objects.create(user=alice, type=Authenticator.Type.TOTP, data={})
    page = client.get("/profile/").content.decode()
    connections = page[page.index("Connected accounts") :][:300]
    assert "github" in connections.lower()
    assert "authenticator app on" in page
    assert "1 active" in page  # the session this client signed in with


def test_export_holds_every_user_owned_model_and_no_secrets(client: Client, alice) -> None:
    sign_in(client, alice.email)  # before _fill: with an authenticator, sign-in asks for MFA
    _fill(alice)
    response = client.get("/profile/export.json")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["user"]["email"] == "alice@example.com"
    assert "password" not in data["user"]
    exported = set(data["data"])
    for model, field in user_owned_relations():
        if model._default_manager.filter(**{field.name: alice}).exists():
            label = model._meta.label_lower
            assert label in exported or f"{label} ({field.name})" in exported, label
    assert data["data"]["notes.note"][0]["body_markdown"] == "My **note**"
    assert data["data"]["progress.taskprogress"][0]["state"] == "done"
    text = response.content.decode()
    for secret in ("encrypted-secret", PASSWORD, alice.password):
        assert secret not in text
    assert "share_token" in data["data"]["progress.learnerstate"][0]


def test_export_is_only_ones_own(client: Client, alice) -> None:
    bob = make_user("bob@example.com")
    note_create(user=bob, guide=Guide.objects.get(), body_markdown="Bob's secret plan")
    sign_in(client, alice.email)
    assert "Bob's secret plan" not in client.get("/profile/export.json").content.decode()


def test_delete_needs_recent_sign_in_and_the_typed_email(client: Client, alice) -> None:
    client.force_login(alice)  # a session without a recorded authentication: too old
    response = client.get("/profile/delete/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")

    reauthenticate = "/accounts/reauthenticate/?next=/profile/delete/"
    wrong = client.post(reauthenticate, {"password": "nope"})
    assert wrong.status_code == 200  # the form again, with an error
    assert client.get("/profile/delete/").status_code == 302
    response = client.post(reauthenticate, {"password": PASSWORD})
    assert response["Location"] == "/profile/delete/"
    assert client.get("/profile/delete/").status_code == 200
    response = client.post("/profile/delete/", {"confirm_email": "someone@else.example"})
    assert response.status_code == 400
    assert "not the email address of this account" in response.content.decode()
    assert type(alice).objects.filter(pk=alice.pk).exists()


def test_account_deletion_removes_every_row_of_the_user(client: Client, alice) -> None:
    bob = make_user("bob@example.com")
    sign_in(client, alice.email)
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    _fill(alice)
    SocialAccount.objects.create(user=bob, provider="google", uid="bob")
    note_create(user=bob, guide=Guide.objects.get(), body_markdown="Bob stays")
    counts = user_rows_count(user_id=alice.pk)
    # Every relation on this branch that can hold a user's row holds one before deletion,
    # so the zero counts below mean something.
    missing = {key for key, count in counts.items() if count == 0}
    assert missing <= {"admin.logentry.user"}, missing
    alice_id = alice.pk

    response = client.post("/profile/delete/", {"confirm_email": "ALICE@example.com"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert not type(alice).objects.filter(pk=alice_id).exists()
    assert all(count == 0 for count in user_rows_count(user_id=alice_id).values()), user_rows_count(
        user_id=alice_id
    )
    assert not SocialToken.objects.filter(token="secret-access-token").exists()
    # The session is gone: the next request is anonymous.
    assert client.get("/profile/").status_code == 302
    assert all(str(alice_id) != s.get_decoded().get("_auth_user_id") for s in Session.objects.all())
    # Other people's rows and the audit trail's wording survive.
    assert bob.notes.count() == 1
    assert SocialAccount.objects.filter(user=bob).count() == 1
    assert AuditEvent.objects.filter(actor_label="alice@example.com", actor=None).count() == 1
    assert not LearnerState.objects.filter(user_id=alice_id).exists()


def test_every_user_relation_is_known() -> None:
    """A new model pointing at users must be a CASCADE (deleted with the account) or a
    deliberate SET_NULL listed here; otherwise deleting an account would fail or leak."""
    from django.db import models

    set_null_ok = {"guides.importrun.started_by", "core.auditevent.actor"}
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    for model, field in user_owned_relations():
        key = f"{model._meta.label_lower}.{field.name}"
        assert field.related_model is user_model
        if key in set_null_ok:
            assert field.remote_field.on_delete is models.SET_NULL, key
        else:
            assert field.remote_field.on_delete is models.CASCADE, key


def test_sessions_page_signs_the_other_sessions_out(alice) -> None:
    laptop, phone = Client(), Client(headers={"user-agent": "Phone"})
    sign_in(laptop, alice.email)
    sign_in(phone, alice.email)
    page = laptop.get("/accounts/sessions/")
    assert page.status_code == 200
    assert "Phone" in page.content.decode()
    assert laptop.post("/accounts/sessions/").status_code == 302
    assert phone.get("/profile/").status_code == 302  # signed out
    assert laptop.get("/profile/").status_code == 200
