"""Server-side prepared statements for the few fixed statements every signed-in request runs.

Django binds parameters on the client, so PostgreSQL parses and plans each statement afresh:
for the session read, the user read and the progress toggle that planning costs more than
running them. `prepared_cursor()` gives a normal Django cursor (query logging, execute
wrappers and error translation all apply) over psycopg's server-binding cursor, which prepares
each statement once per connection and afterwards only executes it.

Only statements run through this cursor are prepared; every other query stays as Django runs
it. Prepared statements live in the server session, so behind a transaction-pooling
PgBouncer set `DATABASE_PREPARED_STATEMENTS=false` (the cursor then binds like Django's).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.backends.utils import CursorWrapper

# psycopg prepares only when the connection's threshold is set; Django leaves it unset. With this
# value nothing is prepared by count, only what PreparingCursor asks for.
_NEVER_BY_COUNT = 2**31 - 1


class PreparingCursor(ServerBindingCursor):
    def execute(self, query: Any, params: Any = None, *, prepare: bool | None = None,
                binary: bool | None = None) -> "PreparingCursor":  # fmt: skip
        return super().execute(query, params, prepare=True, binary=binary)  # type: ignore[misc]

    def _send_query_prepared(self, name: bytes, pgq: Any, *, binary: bool | None = None) -> None:
        # psycopg records the statement only when it is not prepared; keep it either way so
        # Django's query log (and django_assert_num_queries) shows what ran.
        self._query = pgq
        super()._send_query_prepared(name, pgq, binary=binary)  # type: ignore[misc]


@contextmanager
def prepared_cursor(using: str = "default") -> Iterator[CursorWrapper]:
    wrapper = connections[using]
    if not getattr(settings, "DATABASE_PREPARED_STATEMENTS", True):
        with wrapper.cursor() as cursor:
            yield cursor
        return
    wrapper.close_if_health_check_failed()
    wrapper.ensure_connection()
    raw = wrapper.connection
    if raw.prepare_threshold is None:
        raw.prepare_threshold = _NEVER_BY_COUNT
    with wrapper.wrap_database_errors:
        # django-stubs type neither the PostgreSQL cursor classes nor _prepare_cursor.
        cursor = wrapper._prepare_cursor(PreparingCursor(raw))  # type: ignore[attr-defined,call-arg]
    with cursor:
        yield cursor
