"""A cursor for the statements that carry megabytes: the import's bulk inserts."""

import contextlib
from collections.abc import Iterator
from typing import Any, cast

from django.db import connection, models
from django.db.backends.utils import CursorWrapper


@contextlib.contextmanager
def bulk_cursor() -> Iterator[CursorWrapper]:
    """A cursor of the default connection that sends its parameters apart from the SQL
    (psycopg's server-side binding), as Django's own cursor: logged, counted and with errors
    translated like every other.

    Django's cursor binds on the client (its default: any SQL works), so psycopg quotes every
    parameter into the statement's text and the server parses it back: for an import's arrays of
    section text, search entries and words (megabytes for a repository) that cost more CPU than
    the inserts. One statement at a time, not prepared: nothing stays on the server."""
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        # django-stubs type both the class and make_cursor's argument loosely.
        raw = cast(Any, ServerBindingCursor)(connection.connection)
    cursor = (
        connection.make_debug_cursor(raw)
        if connection.queries_logged
        else connection.make_cursor(raw)
    )
    try:
        yield cursor
    finally:
        cursor.close()


def quoted_column(model: type[models.Model], name: str) -> str:
    """The quoted column of field `name` of `model`, for SQL written by hand."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or field.column is None:
        raise TypeError(f"{model.__name__}.{name} is not a column")
    return connection.ops.quote_name(field.column)
