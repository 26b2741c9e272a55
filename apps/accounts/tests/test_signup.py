"""Sign-up through allauth's own views, several users in a row, in development and production
settings: the user model has no username, so no two sign-ups can collide on one."""

import json
import os
import socket
import subprocess
import sys
import threading
from email import message_from_bytes
from pathlib import Path
from urllib.parse import quote

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.test import Client

from apps.accounts.models import User
from apps.core.tests.services_needed import redis_or_skip

ROOT = Path(__file__).resolve().parents[3]
PASSWORD = "a long and unusual passphrase 42"
EMAILS = ["ada@example.com", "grace@example.com", "linus@example.com"]
SESSIONS_REDIS_URL = os.environ.get("SESSIONS_TEST_REDIS_URL", "redis://127.0.0.1:6379/12")


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """allauth counts confirmation emails per address in the cache, a database table that the
    second-process tests commit to; start and leave it empty so runs do not limit each other."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def signup(client: Client, email: str, password: str = PASSWORD):
    return client.post(
        "/accounts/signup/", {"email": email, "password1": password, "password2": password}
    )


@pytest.mark.django_db
@pytest.mark.parametrize("verification", ["none", "optional", "mandatory"])
def test_several_people_sign_up_one_after_another(settings, verification: str) -> None:
    settings.ACCOUNT_EMAIL_VERIFICATION = verification
    for email in EMAILS:
        client = Client()
        response = signup(client, email)
        assert response.status_code == 302, response.content.decode()[:2000]
        expected = "/accounts/confirm-email/" if verification == "mandatory" else "/"
        assert response["Location"] == expected
    assert sorted(User.objects.values_list("email", flat=True)) == sorted(EMAILS)
    assert EmailAddress.objects.filter(email__in=EMAILS, primary=True).count() == 3
    if verification != "none":
        assert sorted(m.to[0] for m in mail.outbox) == sorted(EMAILS)


@pytest.mark.django_db
def test_a_signed_up_user_signs_in_with_the_email_address(settings) -> None:
    settings.ACCOUNT_EMAIL_VERIFICATION = "none"
    signup(Client(), "ada@example.com")
    client = Client()
    response = client.post("/accounts/login/", {"login": "ADA@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get().pk)


@pytest.mark.django_db
@pytest.mark.parametrize("again", ["ada@example.com", "ADA@Example.COM"])
def test_an_address_already_taken_is_a_form_error(settings, again: str) -> None:
    settings.ACCOUNT_EMAIL_VERIFICATION = "none"
    signup(Client(), "ada@example.com")
    response = signup(Client(), again)
    assert response.status_code == 200
    assert "already registered" in response.content.decode()
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_createsuperuser_and_the_manager_take_an_email() -> None:
    user = User.objects.create_user("Someone@EXAMPLE.com", "pw-123456789")
    assert user.email == "Someone@example.com"
    assert user.get_username() == user.email
    assert user.check_password("pw-123456789")
    admin = User.objects.create_superuser("root@example.com", "pw-123456789")
    assert admin.is_staff and admin.is_superuser
    with pytest.raises(ValueError, match="email"):
        User.objects.create_user("", "pw")


# Production settings in a second process against the test database, with a real SMTP server on
# loopback receiving the verification emails (ACCOUNT_EMAIL_VERIFICATION is mandatory there).
SIGNUPS = """
import json
from django.test import Client
results = []
for email in {emails!r}:
    client = Client(HTTP_HOST={host!r})
    response = client.post("/accounts/signup/", {{"email": email, "password1": {pw!r},
                           "password2": {pw!r}}}, secure={secure!r})
    results.append([response.status_code, response.get("Location", "")])
print(json.dumps(results))
"""


class Inbox:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[tuple[str, str]] = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content)
        with self.lock:
            for recipient in envelope.rcpt_tos:
                self.received.append((recipient, str(message["Subject"])))
        return "250 2.0.0 Accepted"


def database_env() -> dict[str, str]:
    """The test database as a DATABASE_URL for a second process. The embedded PostgreSQL
    (no DATABASE_URL) listens on a Unix socket, which goes in a `host` parameter, as its own
    URL has it."""
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    socket_dir = db["HOST"] or db.get("OPTIONS", {}).get("host", "")
    if socket_dir.startswith("/"):
        url = f"postgres://{db['USER']}{password}@/{db['NAME']}?host={quote(socket_dir)}"
    else:
        url = (
            f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        )
    return {
        "DATABASE_URL": url,
        "DATABASE_CONN_MAX_AGE": "0",
    }


@pytest.mark.django_db(transaction=True)
def test_several_people_sign_up_in_production_settings() -> None:
    from aiosmtpd.controller import Controller

    # Production keeps sessions in Redis (cached_db); the broker itself is never reached.
    sessions = redis_or_skip(SESSIONS_REDIS_URL, needed_for="production sessions")
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))},
            **database_env(),
            "DJANGO_SETTINGS_MODULE": "portal.settings.production",
            "DJANGO_SECRET_KEY": "k" * 20 + "3f9a!x_Z" * 5,
            "DJANGO_ALLOWED_HOSTS": "learn.example.com",
            "CELERY_BROKER_URL": "redis://127.0.0.1:9/0",
            "REDIS_URL": SESSIONS_REDIS_URL,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(port),
            "EMAIL_USE_TLS": "false",
            "PORTAL_BASE_URL": "https://learn.example.com",
            "DEFAULT_FROM_EMAIL": "Learning Portal <learn@example.com>",
        }
        code = SIGNUPS.format(emails=EMAILS, pw=PASSWORD, host="learn.example.com", secure=True)
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    finally:
        controller.stop()
        stored = list(sessions.scan_iter("portal:*"))
        if stored:
            sessions.delete(*stored)
    assert result.returncode == 0, result.stderr[-3000:]
    statuses = json.loads(result.stdout.strip().splitlines()[-1])
    assert statuses == [[302, "/accounts/confirm-email/"]] * 3, result.stderr[-3000:]
    assert stored, "the production sessions were not kept in Redis"
    assert sorted(User.objects.values_list("email", flat=True)) == sorted(EMAILS)
    assert sorted(recipient for recipient, _ in inbox.received) == sorted(EMAILS)
    assert not EmailAddress.objects.filter(verified=True).exists()


@pytest.mark.django_db(transaction=True)
def test_several_people_sign_up_in_development_settings() -> None:
    """portal.settings.local as `make run` uses it: DEBUG, optional verification, console
    email (the verification mails are printed)."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))},
        **database_env(),
        "DJANGO_SETTINGS_MODULE": "portal.settings.local",
        "ACCOUNT_EMAIL_VERIFICATION": "optional",
    }
    code = SIGNUPS.format(emails=EMAILS, pw=PASSWORD, host="localhost", secure=False)
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    statuses = json.loads(result.stdout.strip().splitlines()[-1])
    assert statuses == [[302, "/"]] * 3, result.stderr[-3000:]
    assert sorted(User.objects.values_list("email", flat=True)) == sorted(EMAILS)
    printed = result.stdout + result.stderr
    assert all(f"To: {email}" in printed for email in EMAILS), printed[-2000:]


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_every_user_and_their_rows() -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("accounts", "0002_login_session")]
    after = [("accounts", "0003_user_email_identifier_no_username")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    OldUser = old.get_model("accounts", "User")
    ada = OldUser.objects.create(username="ada", email="ada@example.com", password="x")
    nameless = OldUser.objects.create(username="grace@example.com", email="", password="y")
    ada_id, nameless_id = ada.pk, nameless.pk
    LoginSession = old.get_model("accounts", "LoginSession")
    LoginSession.objects.create(
        session_key="k" * 32, session_data="", expire_date="2999-01-01T00:00Z", user_id=ada_id
    )

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    executor.loader.build_graph()
    users = {u.pk: u for u in User.objects.all()}
    assert users[ada_id].email == "ada@example.com" and users[ada_id].password == "x"
    assert users[nameless_id].email == "grace@example.com"  # the username was an address
    LoginSession = executor.loader.project_state(after).apps.get_model("accounts", "LoginSession")
    assert LoginSession.objects.get(session_key="k" * 32).user_id == ada_id

    # Back again: the username column returns, filled and unique.
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    restored = dict(old.get_model("accounts", "User").objects.values_list("pk", "username"))
    assert restored == {ada_id: "ada@example.com", nameless_id: "grace@example.com"}
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db
def test_the_user_admin_works_without_a_username(client: Client) -> None:
    staff = User.objects.create_superuser("root@example.com", "pw-123456789")
    client.force_login(staff)
    assert client.get(f"/admin/accounts/user/{staff.pk}/change/").status_code == 200
    assert client.get("/admin/accounts/user/?q=root").status_code == 200
    response = client.post(
        "/admin/accounts/user/add/",
        {"email": "new@example.com", "usable_password": "true",
         "password1": PASSWORD, "password2": PASSWORD},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    assert User.objects.get(email="new@example.com").check_password(PASSWORD)
