"""The plain-SQL session read and user read keep Django's rules: who is signed in, and who not."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts.models import LoginSession as Session
from apps.accounts.models import User
from apps.accounts.selectors import user_by_pk
from apps.accounts.sessions import SessionStore

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in() -> tuple[Client, User]:
    user = User.objects.create_user(email="ada@example.com")
    client = Client()
    client.force_login(user)
    return client, user


def account_page_status(client: Client) -> int:
    return client.get("/profile/").status_code


def test_signed_in_user_is_read_with_every_field(signed_in):
    client, user = signed_in
    assert account_page_status(client) == 200
    loaded = user_by_pk(pk=str(user.pk))
    assert loaded is not None and loaded.get_deferred_fields() == set()
    assert [getattr(loaded, f.attname) for f in User._meta.concrete_fields] == [
        getattr(User.objects.get(pk=user.pk), f.attname) for f in User._meta.concrete_fields
    ]
    assert user_by_pk(pk=user.pk + 1000) is None


def test_expired_unknown_and_tampered_sessions_sign_nobody_in(signed_in):
    client, _ = signed_in
    key = client.cookies["sessionid"].value
    client.cookies["sessionid"] = key[:-1] + ("a" if key[-1] != "a" else "b")
    assert account_page_status(client) == 302
    client.cookies["sessionid"] = key
    assert account_page_status(client) == 200
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert account_page_status(client) == 302
    assert SessionStore(session_key=key).load() == {}
    assert SessionStore(session_key=None).load() == {}


def test_inactive_user_and_changed_password_end_the_session(signed_in):
    client, user = signed_in
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert account_page_status(client) == 302
    User.objects.filter(pk=user.pk).update(is_active=True)
    client.force_login(user)
    assert account_page_status(client) == 200
    user.set_password("a whole new passphrase")
    user.save()
    assert account_page_status(client) == 302  # the session's auth hash no longer matches


def test_session_and_user_are_one_prepared_statement_logged_each_time(signed_in):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client, _ = signed_in
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert account_page_status(client) == 200
    logged = [q["sql"] for q in queries.captured_queries]
    joined = [
        sql for sql in logged if "FROM accounts_loginsession s LEFT JOIN accounts_user u" in sql
    ]
    assert len(joined) == 3 and all("s.session_key = $1" in sql for sql in joined)
    assert not any("FROM accounts_user u WHERE u.id" in sql for sql in logged)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements"
            " WHERE statement LIKE 'SELECT s.session_data, %%accounts_loginsession%%'"
        )
        assert cursor.fetchone()[0] == 1


def test_the_session_row_names_its_user_from_sign_in_to_sign_out(signed_in):
    client, user = signed_in
    key = client.cookies["sessionid"].value
    assert Session.objects.get(session_key=key).user_id == user.pk
    client.post("/accounts/logout/")
    assert not Session.objects.filter(session_key=key).exists()
    assert not Session.objects.filter(user=user).exists()


def test_a_session_without_its_user_column_still_signs_in_by_reading_the_user(signed_in):
    """Sessions carried over by the migration have no user column until Django saves them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client, _ = signed_in
    Session.objects.update(user=None)
    with CaptureQueriesContext(connection) as queries:
        assert account_page_status(client) == 200
    assert any("FROM accounts_user u WHERE u.id" in q["sql"] for q in queries.captured_queries)


def test_the_user_column_never_overrides_the_signed_session_data(signed_in):
    """Who is signed in comes from the session's signed data; a user column pointing at
    somebody else (a tampered or stale row) is ignored, not trusted."""
    client, user = signed_in
    mallory = User.objects.create_user(email="mallory@example.com")
    Session.objects.update(user=mallory)
    response = client.get("/profile/")
    assert response.status_code == 200
    assert response.wsgi_request.user.pk == user.pk


def test_deleting_a_user_deletes_their_sessions(signed_in):
    client, user = signed_in
    user.delete()
    assert not Session.objects.exists()
    assert account_page_status(client) == 302


def test_no_user_is_taken_from_a_session_outside_a_request():
    from apps.accounts.sessions import session_user

    assert session_user(1) is None


def test_prepared_statements_can_be_turned_off(signed_in, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.DATABASE_PREPARED_STATEMENTS = False
    client, _ = signed_in
    with CaptureQueriesContext(connection) as queries:
        assert account_page_status(client) == 200
    assert any("session_key = '" in q["sql"] for q in queries.captured_queries)


def test_expired_sessions_are_cleared_on_schedule(signed_in, settings):
    from apps.accounts.tasks import sessions_clear_expired_task

    client, _ = signed_in
    live = client.cookies["sessionid"].value
    other = SessionStore()
    other["note"] = "anonymous but expired"
    other.create()
    Session.objects.filter(session_key=other.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert sessions_clear_expired_task.apply().get() == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == [live]
    assert account_page_status(client) == 200
    entry = settings.CELERY_BEAT_SCHEDULE["sessions-clear-expired"]
    assert entry["task"] == sessions_clear_expired_task.name


def test_the_upgrade_carries_live_sessions_over_and_keeps_them_signed_in():
    """Migration 0002 copies Django's sessions into LoginSession: nobody is signed out, and
    expired rows are left behind."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY
    from django.contrib.auth import SESSION_KEY as USER_KEY
    from django.contrib.sessions.backends.db import SessionStore as DjangoStore
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    user = User.objects.create_user(email="old@example.com")
    executor = MigrationExecutor(connection)
    executor.migrate([("accounts", "0001_initial")])
    live, stale = DjangoStore(), DjangoStore()
    for store in (live, stale):
        store[USER_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "apps.accounts.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE django_session SET expire_date = now() - interval '1 minute'"
            " WHERE session_key = %s",
            [stale.session_key],
        )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert list(Session.objects.values_list("session_key", "user_id")) == [(live.session_key, None)]
    client = Client()
    client.cookies["sessionid"] = live.session_key
    assert account_page_status(client) == 200
