"""The plain-SQL session read and user read keep Django's rules: who is signed in, and who not."""

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.selectors import user_by_pk
from apps.core.sessions import SessionStore

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in() -> tuple[Client, User]:
    user = User.objects.create_user(username="ada@example.com", email="ada@example.com")
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


def test_hot_reads_are_prepared_once_per_connection_and_logged(signed_in):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client, _ = signed_in
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert account_page_status(client) == 200
    logged = [q["sql"] for q in queries.captured_queries]
    assert sum("FROM django_session WHERE session_key = $1" in sql for sql in logged) == 3
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements"
            " WHERE statement LIKE 'SELECT session_data FROM django_session%%'"
        )
        assert cursor.fetchone()[0] == 1


def test_prepared_statements_can_be_turned_off(signed_in, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.DATABASE_PREPARED_STATEMENTS = False
    client, _ = signed_in
    with CaptureQueriesContext(connection) as queries:
        assert account_page_status(client) == 200
    assert any("session_key = '" in q["sql"] for q in queries.captured_queries)
