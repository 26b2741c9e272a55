"""Security properties, asserted through HTTP as an attacker would try them."""

import datetime as dt
import hashlib
import hmac

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from apps.accounts.tests.conftest import PASSWORD, make_user, sign_in
from apps.flashcards.models import CardState, ReviewLog, ReviewSettings
from apps.flashcards.services import deck_add_cards
from apps.guides.models import GlossaryTerm, Guide, Section, TaskItem
from apps.notes.models import Note
from apps.notes.services import note_create
from apps.progress.models import TaskProgress
from apps.progress.services import learner_share_enable, learner_share_revoke, task_progress_set
from apps.reminders.models import ReminderPreference
from apps.reminders.services import reminder_preference_update, unsubscribe_token_make
from apps.sources import tasks as source_tasks
from apps.sources.models import Source

pytestmark = pytest.mark.django_db

REMINDER_FORM = {
    "enabled": "on", "frequency": "daily", "weekdays": ["0", "2"], "local_time": "07:30",
    "timezone": "UTC",
}  # fmt: skip
REMINDER_SERVICE_ARGS = {
    "enabled": True, "weekdays": 0b1111111, "local_time": dt.time(8), "timezone_name": "UTC",
    "frequency": "daily", "skip_if_studied_today": False,
}  # fmt: skip
EVIL_NEXT = ["//evil.example", "https:evil.example", "/\\evil.example", "https://evil.example/"]


def _project_patterns() -> list[tuple[str, URLPattern]]:
    """(name, pattern) for every URL of this project's apps; allauth and the admin are
    third-party code with their own tests."""
    found = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if route.startswith(("admin/", "accounts/")):
                    continue
                ns = pattern.namespace or namespace
                walk(pattern.url_patterns, route, ns)
            else:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                found.append((name, pattern))

    walk(get_resolver().url_patterns, "", "")
    return found


# Every URL that takes an id, token or slug, and how the tests below attack it.
URLS_WITH_IDS = {
    "guides:guide",
    "progress:task-set",
    "progress:section-set",
    "progress:shared",
    "notes:edit",
    "notes:delete",
    "flashcards:term",
    "flashcards:card",  # another learner's card: apps/flashcards/tests/test_card_browser.py
    "flashcards:card-suspend",
    "flashcards:card-reset",
    "reminders:unsubscribe",
    "sources:webhook",
}


def test_every_url_with_a_parameter_is_covered_here() -> None:
    with_params = {name for name, pattern in _project_patterns() if pattern.pattern.converters}
    assert with_params == URLS_WITH_IDS


def test_a_source_webhook_needs_that_sources_own_signature(client: Client, monkeypatch) -> None:
    """The one CSRF-exempt POST: the HMAC is the check (each forge: apps/sources/tests)."""
    queued: list[tuple] = []
    monkeypatch.setattr(source_tasks.source_sync_task, "delay", lambda *a: queued.append(a))
    Source.objects.create(name="a", url="https://example.com/a.git", webhook_secret="secret-a")
    Source.objects.create(name="b", url="https://example.com/b.git", webhook_secret="secret-b")
    body = b'{"ref": "refs/heads/main"}'
    signed_for_a = "sha256=" + hmac.new(b"secret-a", body, hashlib.sha256).hexdigest()
    headers = {"X-GitHub-Event": "push", "X-Hub-Signature-256": signed_for_a}
    for name in ("b", "guessed", "a-"):
        url = reverse("sources:webhook", args=[name])
        response = client.post(url, body, content_type="application/json", headers=headers)
        assert response.status_code == 403, name
    assert client.get(reverse("sources:webhook", args=["a"])).status_code == 405
    assert queued == []


@pytest.fixture
def alice(library):
    return make_user("alice@example.com")


@pytest.fixture
def bob(library):
    return make_user("bob@example.com")


@pytest.fixture
def bobs_note(bob) -> Note:
    return note_create(user=bob, guide=Guide.objects.get(), body_markdown="bob's private note")


def test_another_users_note_is_404_everywhere(client: Client, alice, bobs_note) -> None:
    client.force_login(alice)
    edit = reverse("notes:edit", args=[bobs_note.pk])
    delete = reverse("notes:delete", args=[bobs_note.pk])
    assert client.get(edit).status_code == 404
    assert client.post(edit, {"body_markdown": "pwned"}).status_code == 404
    assert client.post(delete).status_code == 404
    bobs_note.refresh_from_db()
    assert bobs_note.body_markdown == "bob's private note"
    assert "bob&#x27;s private note" not in client.get("/notes/?q=private").content.decode()


def test_progress_ids_touch_only_ones_own_rows(client: Client, alice, bob) -> None:
    item = TaskItem.objects.first()
    task_progress_set(user=bob, item_id=item.pk, state="done")
    client.force_login(alice)
    assert client.post(reverse("progress:task-set", args=[item.pk]), {"state": "todo"}).status_code
    assert TaskProgress.objects.get(user=bob, item=item).state == "done"
    assert TaskProgress.objects.get(user=alice, item=item).state == "todo"


def test_ids_of_hidden_or_missing_content_are_404(client: Client, alice) -> None:
    guide = Guide.objects.get()
    item, section = TaskItem.objects.first(), Section.objects.first()
    Guide.objects.filter(pk=guide.pk).update(is_published=False)
    client.force_login(alice)
    assert client.get(guide.get_absolute_url()).status_code == 404
    attempts = [
        (reverse("progress:task-set", args=[item.pk]), {"state": "done"}),
        (reverse("progress:section-set", args=[section.pk]), {"read": "1"}),
        (reverse("progress:task-set", args=[10**9]), {"state": "done"}),
        (reverse("progress:section-set", args=[10**9]), {"read": "1"}),
    ]
    for url, data in attempts:
        assert client.post(url, data).status_code == 404, url
    assert not TaskProgress.objects.exists()


def test_unsubscribe_tokens_only_work_for_their_own_user(client: Client, alice, bob) -> None:
    for user in (alice, bob):
        reminder_preference_update(user=user, **REMINDER_SERVICE_ARGS)
    token = unsubscribe_token_make(user_id=bob.pk)
    forged = token.replace(str(bob.pk), str(alice.pk), 1)
    for bad in (forged, token[:-2] + "xx", "guessed"):
        response = Client().post(reverse("reminders:unsubscribe", args=[bad]))
        assert response.status_code == 400, bad
    assert ReminderPreference.objects.filter(enabled=True).count() == 2
    assert Client().post(reverse("reminders:unsubscribe", args=[token])).status_code == 200
    assert list(ReminderPreference.objects.filter(enabled=True).values_list("user", flat=True)) == [
        alice.pk
    ]


def test_terms_of_hidden_guides_are_404(client: Client, alice) -> None:
    term = GlossaryTerm.objects.get()
    url = reverse("flashcards:term", args=[term.guide.slug, term.anchor])
    assert client.get(url).status_code == 200
    Guide.objects.filter(pk=term.guide_id).update(is_published=False)
    assert client.get(url).status_code == 404
    assert client.get(reverse("flashcards:term", args=["nope", term.anchor])).status_code == 404


def test_share_tokens_die_when_revoked(client: Client, alice) -> None:
    token = learner_share_enable(user=alice)
    assert client.get(reverse("progress:shared", args=[token])).status_code == 200
    learner_share_revoke(user=alice)
    assert client.get(reverse("progress:shared", args=[token])).status_code == 404
    assert client.get(reverse("progress:shared", args=["guessed-token"])).status_code == 404


# Every state-changing endpoint of the project, with a body that would succeed.
def _post_endpoints(alice, bobs_note) -> list[tuple[str, dict]]:
    guide = Guide.objects.get()
    own = note_create(user=alice, guide=guide, body_markdown="mine")
    term = GlossaryTerm.objects.get()
    deck_add_cards(user=alice, term=term)
    card = CardState.objects.filter(user=alice).first()
    return [
        (reverse("progress:task-set", args=[TaskItem.objects.first().pk]), {"state": "done"}),
        (reverse("progress:section-set", args=[Section.objects.first().pk]), {"read": "1"}),
        (reverse("progress:streak-set"), {"enabled": "1"}),
        (reverse("progress:import-markdown"), {"text": "- [x] Build an idempotent consumer"}),
        (reverse("progress:share-set"), {"enabled": "1"}),
        (reverse("notes:create"), {"guide": guide.pk, "body_markdown": "new"}),
        (reverse("notes:edit", args=[own.pk]), {"body_markdown": "edited"}),
        (reverse("notes:delete", args=[own.pk]), {}),
        (reverse("flashcards:settings"), {"desired_retention": "0.9", "new_cards_per_day": "9"}),
        (reverse("flashcards:deck-add"), {"guide": guide.slug}),
        (reverse("flashcards:answer"), {"card": card.pk, "reps": 0, "rating": 3}),
        (reverse("flashcards:undo"), {}),
        (reverse("flashcards:card-suspend", args=[card.pk]), {"suspended": "1"}),
        (reverse("flashcards:card-reset", args=[card.pk]), {}),
        (reverse("flashcards:deck-remove"), {"term": term.pk}),
        (reverse("reminders:preferences"), REMINDER_FORM),
        (reverse("reminders:pause"), {}),
        (reverse("reminders:resume"), {}),
        (reverse("accounts:profile"), {"display_name": "A", "timezone": "UTC"}),
        (reverse("accounts:delete"), {"confirm_email": alice.email}),
        (reverse("account_logout"), {}),
    ]


def test_every_post_endpoint_is_covered_by_the_csrf_test(client: Client, alice) -> None:
    """URLs not in the CSRF list below must refuse POST altogether."""
    posted = {
        "progress:task-set", "progress:section-set", "progress:streak-set",
        "progress:import-markdown", "progress:share-set", "notes:create", "notes:edit",
        "notes:delete", "accounts:profile", "accounts:delete", "flashcards:settings",
        "flashcards:deck-add", "flashcards:deck-remove", "flashcards:answer", "flashcards:undo",
        "reminders:preferences", "reminders:pause", "reminders:resume",
    }  # fmt: skip
    client.force_login(alice)
    for name, pattern in _project_patterns():
        if name in posted or pattern.pattern.converters:
            continue
        assert client.post(reverse(name)).status_code == 405, name


@pytest.mark.parametrize("htmx", [False, True])
def test_csrf_is_enforced_on_every_post(alice, bobs_note, htmx: bool) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)  # signed in: a 403 below is the CSRF check, not the login
    headers = {"HX-Request": "true"} if htmx else {}
    for url, data in _post_endpoints(alice, bobs_note):
        response = client.post(url, data, headers=headers)
        assert response.status_code == 403, url
        assert b"CSRF" in response.content, url
    assert alice.notes.count() == 1  # nothing was written
    assert TaskProgress.objects.count() == 0
    assert not ReviewLog.objects.exists() and not ReviewSettings.objects.exists()
    assert not ReminderPreference.objects.exists()


def test_csrf_token_lets_the_same_posts_through(alice, bobs_note) -> None:
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")
    token = client.cookies["csrftoken"].value
    client.post(
        "/accounts/login/",
        {"login": alice.email, "password": PASSWORD},
        headers={"X-CSRFToken": token},
    )
    token = client.cookies["csrftoken"].value  # rotated at sign-in
    for url, data in _post_endpoints(alice, bobs_note)[:19]:
        response = client.post(url, data, headers={"X-CSRFToken": token, "HX-Request": "true"})
        assert response.status_code in (200, 302), (url, response.status_code)


def test_login_form_needs_the_csrf_token(alice) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("target", EVIL_NEXT)
def test_login_next_never_leaves_the_site(client: Client, alice, target: str) -> None:
    response = client.post(
        "/accounts/login/", {"login": alice.email, "password": PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    response = client.post("/accounts/logout/", {"next": target})
    assert response["Location"] == "/"


@pytest.mark.parametrize("target", EVIL_NEXT)
def test_next_on_project_views_never_leaves_the_site(client: Client, alice, target) -> None:
    client.force_login(alice)
    item = TaskItem.objects.first()
    response = client.post(
        reverse("progress:task-set", args=[item.pk]), {"state": "done", "next": target}
    )
    assert response["Location"] == item.guide.get_absolute_url()
    note = note_create(user=alice, guide=item.guide, body_markdown="x")
    response = client.post(reverse("notes:delete", args=[note.pk]), {"next": target})
    assert response["Location"] == reverse("notes:list")
    guide = Guide.objects.get()
    response = client.post(
        reverse("notes:create"), {"guide": guide.pk, "body_markdown": "y", "next": target}
    )
    assert response["Location"] == guide.get_absolute_url()


@pytest.mark.parametrize("target", EVIL_NEXT)
def test_admin_login_redirect_stays_on_site(client: Client, target: str) -> None:
    response = client.get("/admin/login/", {"next": target})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert "evil" not in response["Location"].split("next=")[1].split("%2F")[0]


def test_admin_login_goes_through_allauth(client: Client, alice) -> None:
    response = client.get("/admin/")
    assert response["Location"].startswith("/admin/login/")
    response = client.get(response["Location"])
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"
    # The admin's own password form is gone: posting to it signs nobody in.
    staff = make_user("staff@example.com", is_staff=True, is_superuser=True)
    client.post("/admin/login/", {"username": staff.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    sign_in(client, alice.email)
    assert client.get("/admin/").status_code in (302, 403)  # signed in, not staff


def test_login_is_rate_limited(client: Client, alice) -> None:
    for _ in range(5):
        response = client.post("/accounts/login/", {"login": alice.email, "password": "wrong"})
        assert response.status_code == 200
    # Now even the right password is refused, for this address from anywhere...
    response = client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # ...and from this client for any address (the limit is per IP too).
    bob = make_user("bob@example.com")
    response = client.post("/accounts/login/", {"login": bob.email, "password": PASSWORD})
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


NOW = dt.datetime(2026, 11, 21, 12, 0, 0, tzinfo=dt.UTC)


def _totp(secret: str, when: dt.datetime) -> str:
    return format_hotp_value(hotp_value(secret, int(when.timestamp()) // 30))


def test_mfa_enrolment_and_login(client: Client, alice) -> None:
    with time_machine.travel(NOW, tick=False):
        sign_in(client, alice.email)
        client.post("/accounts/reauthenticate/", {"password": PASSWORD})
        page = client.get("/accounts/2fa/totp/activate/")
        assert page.status_code == 200
        secret = page.context["form"].secret
        assert client.post("/accounts/2fa/totp/activate/", {"code": "000000"}).status_code == 200
        response = client.post("/accounts/2fa/totp/activate/", {"code": _totp(secret, NOW)})
        assert response.status_code == 302
        assert response["Location"] == "/accounts/2fa/recovery-codes/"
    types = set(Authenticator.objects.filter(user=alice).values_list("type", flat=True))
    assert types == {"totp", "recovery_codes"}
    client.post("/accounts/logout/")

    later = NOW + dt.timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        response = sign_in(client, alice.email)
        assert response["Location"] == "/accounts/2fa/authenticate/"
        assert "_auth_user_id" not in client.session  # the password alone is not enough
        assert client.post("/accounts/2fa/authenticate/", {"code": "123456"}).status_code == 200
        assert "_auth_user_id" not in client.session
        code = _totp(secret, later)
        response = client.post("/accounts/2fa/authenticate/", {"code": code})
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(alice.pk)

        # The same code a second time (stolen over the shoulder) is refused.
        other = Client()
        sign_in(other, alice.email)
        assert other.post("/accounts/2fa/authenticate/", {"code": code}).status_code == 200
        assert "_auth_user_id" not in other.session

        # A recovery code works once.
        recovery = RecoveryCodes(
            Authenticator.objects.get(user=alice, type="recovery_codes")
        ).get_unused_codes()[0]
        assert other.post("/accounts/2fa/authenticate/", {"code": recovery}).status_code == 302
        assert other.session["_auth_user_id"] == str(alice.pk)
        third = Client()
        sign_in(third, alice.email)
        assert third.post("/accounts/2fa/authenticate/", {"code": recovery}).status_code == 200
        assert "_auth_user_id" not in third.session


def test_session_cookies_are_secure_in_production() -> None:
    import subprocess
    import sys

    from apps.core.tests.test_health import PRODUCTION_ENV, ROOT

    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_HSTS_SECONDS, "
        "*map(str, s.SECURE_CSP['script-src'] + s.SECURE_CSP['frame-ancestors']))"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env={**PRODUCTION_ENV, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip().splitlines()[-1] == "True True True 31536000 'self' 'none'", (
        result.stderr
    )


def test_csp_header_allows_scripts_only_from_self(client: Client) -> None:
    header = client.get("/").headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
