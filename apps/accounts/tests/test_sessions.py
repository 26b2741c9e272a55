"""Sessions are Django's: in the database, or in the database behind a Redis cache (cached_db)
when Redis is configured. Who is signed in, and who is not, follows Django's rules."""

import datetime
import json
import os
import subprocess
import sys
import uuid
from importlib import import_module
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.models import User
from apps.core.tests.services_needed import redis_or_skip

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
PASSWORD = "correct horse battery staple 42"
REDIS_URL = os.environ.get("SESSIONS_TEST_REDIS_URL", "redis://127.0.0.1:6379/12")


@pytest.fixture
def ada() -> User:
    return User.objects.create_user(email="ada@example.com", password=PASSWORD)


def signed_in_client(user: User) -> Client:
    """Signed in through the site's own sign-in form, as a browser would be."""
    client = Client()
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


def profile_status(client: Client) -> int:
    return client.get("/profile/").status_code


def test_signing_in_stores_a_django_session_that_signs_the_next_requests_in(ada):
    client = signed_in_client(ada)
    key = client.cookies["sessionid"].value
    data = Session.objects.get(session_key=key).get_decoded()
    assert data[SESSION_KEY] == str(ada.pk)
    assert data[BACKEND_SESSION_KEY] in django_settings.AUTHENTICATION_BACKENDS
    response = client.get("/profile/")
    assert response.status_code == 200
    assert response.wsgi_request.user == ada


def test_a_signed_in_request_reads_the_session_then_the_user(ada):
    client = signed_in_client(ada)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/healthz").status_code == 200  # touches neither
        response = client.get("/profile/")
        assert response.wsgi_request.user.is_authenticated
    tables = [q["sql"] for q in queries.captured_queries]
    assert '"django_session"' in tables[0] and '"accounts_user"' in tables[1]


def test_expired_unknown_and_tampered_sessions_sign_nobody_in(ada):
    client = signed_in_client(ada)
    key = client.cookies["sessionid"].value
    client.cookies["sessionid"] = key[:-1] + ("a" if key[-1] != "a" else "b")
    assert profile_status(client) == 302
    client.cookies["sessionid"] = "not a session key at all; " + key
    assert profile_status(client) == 302
    client.cookies["sessionid"] = key
    assert profile_status(client) == 200
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert profile_status(client) == 302


def test_tampered_session_data_signs_nobody_in(ada):
    """The data is signed with SECRET_KEY: a row rewritten to name another user is refused."""
    mallory = User.objects.create_user(email="mallory@example.com", password=PASSWORD)
    client = signed_in_client(mallory)
    row = Session.objects.get(session_key=client.cookies["sessionid"].value)
    signature = row.session_data.rpartition(":")[2]
    forged = row.get_decoded() | {SESSION_KEY: str(ada.pk)}
    row.session_data = Session.objects.encode(forged).rpartition(":")[0] + ":" + signature
    row.save()
    assert profile_status(client) == 302


def test_signing_out_deletes_the_session(ada):
    client = signed_in_client(ada)
    key = client.cookies["sessionid"].value
    assert client.post("/accounts/logout/").status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    client.cookies["sessionid"] = key  # an old copy of the cookie
    assert profile_status(client) == 302


def test_inactive_user_is_signed_out(ada):
    client = signed_in_client(ada)
    User.objects.filter(pk=ada.pk).update(is_active=False)
    assert profile_status(client) == 302


def test_changing_the_password_signs_out_every_other_session(ada):
    laptop, phone = signed_in_client(ada), signed_in_client(ada)
    response = laptop.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "a whole new passphrase 7",
         "password2": "a whole new passphrase 7"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    assert profile_status(laptop) == 200  # the session that changed it is kept
    assert profile_status(phone) == 302  # its session hash no longer matches


def test_a_password_set_outside_the_site_signs_everyone_out(ada):
    client = signed_in_client(ada)
    ada.set_password("reset by an administrator 9")
    ada.save()
    assert profile_status(client) == 302


def test_deleting_the_account_ends_its_other_sessions(ada):
    laptop, phone = signed_in_client(ada), signed_in_client(ada)
    phone_key = phone.cookies["sessionid"].value
    laptop.post("/accounts/reauthenticate/", {"password": PASSWORD})
    response = laptop.post("/profile/delete/", {"confirm_email": ada.email})
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=phone_key).exists()
    assert profile_status(phone) == 302


def test_expired_sessions_are_cleared_on_schedule(ada, settings):
    from apps.accounts.tasks import sessions_clear_expired_task

    client = signed_in_client(ada)
    live = client.cookies["sessionid"].value
    other = import_module(settings.SESSION_ENGINE).SessionStore()
    other["note"] = "anonymous but expired"
    other.create()
    Session.objects.filter(session_key=other.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(minutes=1)
    )
    sessions_clear_expired_task.apply().get()
    assert list(Session.objects.values_list("session_key", flat=True)) == [live]
    assert profile_status(client) == 200
    entry = settings.CELERY_BEAT_SCHEDULE["sessions-clear-expired"]
    assert entry["task"] == sessions_clear_expired_task.name


# Redis in front of the database ----------------------------------------------------------------


@pytest.fixture
def redis_sessions(settings):
    """cached_db sessions in a real Redis, under a key prefix of this test's own."""
    client = redis_or_skip(REDIS_URL, needed_for="the Redis session tests")
    prefix = f"test-sessions-{uuid.uuid4().hex}"
    settings.CACHES = {
        **settings.CACHES,
        "sessions": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        },
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.SESSION_CACHE_ALIAS = "sessions"
    yield client
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)


def session_queries(client: Client) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert profile_status(client) == 200
    return [q["sql"] for q in queries.captured_queries if '"django_session"' in q["sql"]]


def test_with_redis_a_signed_in_request_reads_its_session_from_redis(ada, redis_sessions):
    client = signed_in_client(ada)
    key = client.cookies["sessionid"].value
    assert redis_sessions.exists(*redis_sessions.scan_iter(f"*{key}"))
    assert Session.objects.filter(session_key=key).exists()  # the database keeps the record
    assert session_queries(client) == []


def test_with_redis_losing_the_cache_signs_nobody_out(ada, redis_sessions):
    client = signed_in_client(ada)
    key = client.cookies["sessionid"].value
    redis_sessions.delete(*redis_sessions.scan_iter(f"*{key}"))
    assert len(session_queries(client)) == 1  # read from the database, and cached again
    assert session_queries(client) == []


def test_with_redis_signing_out_and_password_changes_still_hold(ada, redis_sessions):
    laptop, phone = signed_in_client(ada), signed_in_client(ada)
    laptop_key = laptop.cookies["sessionid"].value
    assert laptop.post("/accounts/logout/").status_code == 302
    assert not list(redis_sessions.scan_iter(f"*{laptop_key}"))
    assert not Session.objects.filter(session_key=laptop_key).exists()
    laptop.cookies["sessionid"] = laptop_key
    assert profile_status(laptop) == 302
    ada.set_password("a whole new passphrase 7")
    ada.save()
    assert profile_status(phone) == 302


# Which engine the settings choose ----------------------------------------------------------------


def engine_for(**environment: str) -> dict:
    code = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps([s.SESSION_ENGINE, s.CACHES.get('sessions', {}).get('LOCATION')]))"
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("REDIS_", "CELERY_"))},
        "DJANGO_SETTINGS_MODULE": "portal.settings.local",
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "filesystem://",
        **environment,
    }
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_redis_sessions_are_in_the_database_alone():
    assert engine_for() == ["django.contrib.sessions.backends.db", None]
    assert engine_for(CELERY_BROKER_URL="amqp://guest@127.0.0.1//")[0].endswith(".db")


def test_redis_url_or_a_redis_broker_puts_redis_in_front():
    cached = "django.contrib.sessions.backends.cached_db"
    assert engine_for(REDIS_URL="redis://cache:6379/3") == [cached, "redis://cache:6379/3"]
    broker = "redis://127.0.0.1:6379/0"
    assert engine_for(CELERY_BROKER_URL=broker) == [cached, broker]


# The upgrade from LoginSession ----------------------------------------------------------------


def test_the_upgrade_keeps_live_sessions_signed_in_and_revives_no_ended_one(ada):
    """Migration 0004 moves LoginSession's rows into django_session with the backend renamed,
    and drops the stale copies 0002 left there (a session signed out since must stay out)."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.db.migrations.executor import MigrationExecutor

    before = [("accounts", "0003_user_email_identifier_no_username")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    LoginSession = executor.loader.project_state(before).apps.get_model("accounts", "LoginSession")

    def old_session(backend: str, expires_in: datetime.timedelta) -> str:
        store = SessionStore()
        data = {SESSION_KEY: str(ada.pk), BACKEND_SESSION_KEY: backend,
                HASH_SESSION_KEY: ada.get_session_auth_hash()}  # fmt: skip
        key = store._get_new_session_key()
        LoginSession.objects.create(
            session_key=key, session_data=store.encode(data),
            expire_date=timezone.now() + expires_in, user_id=ada.pk,
        )  # fmt: skip
        return key

    week = datetime.timedelta(days=7)
    by_password = old_session("apps.accounts.backends.ModelBackend", week)
    by_allauth = old_session("apps.accounts.backends.AuthenticationBackend", week)
    expired = old_session("apps.accounts.backends.ModelBackend", -week)
    # What 0002 left behind in django_session: a copy of a live session, and one signed out since.
    signed_out = "s" * 32
    for key in (by_password, signed_out):
        Session.objects.create(
            session_key=key, expire_date=timezone.now() + week,
            session_data=SessionStore().encode({SESSION_KEY: str(ada.pk),
                BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                HASH_SESSION_KEY: ada.get_session_auth_hash()}),
        )  # fmt: skip
    Session.objects.filter(session_key=by_password).update(session_data="stale")
    with connection.cursor() as cursor:
        # As if committed before the upgrade: the rows' foreign-key checks are done now, or
        # PostgreSQL would refuse to drop their table within this test's transaction.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert set(Session.objects.values_list("session_key", flat=True)) == {by_password, by_allauth}
    assert Session.objects.get(session_key=by_allauth).get_decoded()[BACKEND_SESSION_KEY] == (
        "allauth.account.auth_backends.AuthenticationBackend"
    )
    for key, status in ((by_password, 200), (by_allauth, 200), (expired, 302), (signed_out, 302)):
        client = Client()
        client.cookies["sessionid"] = key
        assert profile_status(client) == status, key

    # And back: the live sessions return to LoginSession under the old backend names.
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    LoginSession = executor.loader.project_state(before).apps.get_model("accounts", "LoginSession")
    backends = {
        row.session_key: SessionStore().decode(row.session_data)[BACKEND_SESSION_KEY]
        for row in LoginSession.objects.all()
    }
    assert backends == {
        by_password: "apps.accounts.backends.ModelBackend",
        by_allauth: "apps.accounts.backends.AuthenticationBackend",
    }
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_with_redis_the_upgrade_drops_cached_copies_of_ended_sessions(ada, redis_sessions):
    """A session still in Redis but ended under LoginSession (a downgrade run without the Redis
    settings, then the upgrade) must not come back from the cache, which cached_db reads first."""
    from django.contrib.sessions.backends.cached_db import KEY_PREFIX
    from django.core.cache import caches
    from django.db.migrations.executor import MigrationExecutor

    client = signed_in_client(ada)
    key = client.cookies["sessionid"].value
    cache = caches["sessions"]
    cached = cache.get(KEY_PREFIX + key)
    assert cached[SESSION_KEY] == str(ada.pk)
    before = [("accounts", "0003_user_email_identifier_no_username")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    LoginSession = executor.loader.project_state(before).apps.get_model("accounts", "LoginSession")
    LoginSession.objects.filter(session_key=key).delete()  # signed out under the old engine
    cache.set(KEY_PREFIX + key, cached)  # the copy a downgrade without Redis settings leaves

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert cache.get(KEY_PREFIX + key) is None
    assert profile_status(client) == 302
