"""Django's database session engine with the per-request read done in plain SQL.

Every signed-in request reads its session. Through the ORM that read costs about five times the
round trip itself (building and compiling the query), so it is written out here and run as a
prepared statement. Writes, expiry, cycling and deletion are Django's own code, unchanged.
"""

from django.contrib.sessions.backends import db
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import router
from django.utils import timezone

from apps.core.db import prepared_cursor


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> AbstractBaseSession | None:
        if not self.session_key:
            self._session_key = None
            return None
        table = self.model._meta.db_table
        with prepared_cursor(router.db_for_read(self.model)) as cursor:
            cursor.execute(
                f"SELECT session_data FROM {table} WHERE session_key = %s AND expire_date > %s",  # noqa: S608 - the model's table name
                [self.session_key, timezone.now()],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return self.model(session_key=self.session_key, session_data=row[0])
