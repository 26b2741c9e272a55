"""Django's database sessions, read together with the signed-in user in one statement.

Every signed-in request reads its session and then its user. The session row carries the user's
id (`LoginSession.user`, written whenever Django saves the session), so one prepared statement
reads both, and the authentication backend takes the user from the session instead of asking
the database again (`session_user`). Django's rules are unchanged and still enforced by Django's
own code: the session's signature and expiry, the user's `is_active`, and the session hash that
ends every session when the password changes. Writes, cycling and deletion are Django's too.
"""

from contextvars import ContextVar
from typing import Any

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import db
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.exceptions import ValidationError
from django.db import router
from django.utils import timezone

from apps.accounts.models import LoginSession, User
from apps.accounts.selectors import user_columns_sql, user_from_row
from apps.core.db import prepared_cursor

# The session of the request whose user is being loaded (set by accounts.middleware).
SESSION_IN_USE: ContextVar[object] = ContextVar("session_in_use", default=None)


class SessionStore(db.SessionStore):
    def __init__(self, session_key: str | None = None) -> None:
        super().__init__(session_key)
        self.user_row: User | None = None

    @classmethod
    def get_model_class(cls) -> type[LoginSession]:
        return LoginSession

    def create_model_instance(self, data: dict[str, Any]) -> AbstractBaseSession:
        instance = super().create_model_instance(data)
        instance.user_id = user_pk(data.get(SESSION_KEY))  # type: ignore[attr-defined]
        return instance

    def _get_session_from_db(self) -> AbstractBaseSession | None:
        self.user_row = None
        if not self.session_key:
            self._session_key = None
            return None
        with prepared_cursor(router.db_for_read(self.model)) as cursor:
            cursor.execute(
                f"SELECT s.session_data, {user_columns_sql('u')} "  # noqa: S608 - model's own names
                f"FROM {LoginSession._meta.db_table} s "
                f"LEFT JOIN {User._meta.db_table} u ON u.id = s.user_id "
                "WHERE s.session_key = %s AND s.expire_date > %s",
                [self.session_key, timezone.now()],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        if row[1] is not None:
            self.user_row = user_from_row(row[1:])
        return self.model(session_key=self.session_key, session_data=row[0])


def user_pk(value: Any) -> Any:
    """The user primary key stored in a session, or None for none or a malformed one."""
    try:
        return User._meta.pk.to_python(value)  # type: ignore[union-attr]
    except ValidationError:
        return None


def session_user(user_id: Any) -> User | None:
    """The user read with the current request's session, when it is the one asked for."""
    user = getattr(SESSION_IN_USE.get(), "user_row", None)  # None for another session engine
    if user is not None and user.pk == user_pk(user_id):
        return user
    return None
