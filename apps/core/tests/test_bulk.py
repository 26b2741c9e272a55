"""The cursor for bulk statements: server-side binding, and otherwise Django's own cursor."""

import pytest
from django.db import DataError, transaction

from apps.core.bulk import bulk_cursor

pytestmark = pytest.mark.django_db


def test_parameters_travel_apart_from_the_sql_and_the_query_is_counted(
    django_assert_num_queries,
):
    hostile = ["it's", 'a "quote"', "'); DROP TABLE guides_guide; --", "\\", "ünïcode"]
    with django_assert_num_queries(1), bulk_cursor() as cursor:
        cursor.execute("SELECT %s::text[], %s::integer", [hostile, 7])
        assert cursor.fetchone() == (hostile, 7)
        assert type(cursor.cursor).__name__ == "ServerBindingCursor"


def test_errors_are_djangos_and_the_transaction_goes_on():
    with transaction.atomic():
        with pytest.raises(DataError), transaction.atomic(), bulk_cursor() as cursor:
            cursor.execute("SELECT %s::integer", ["not a number"])
        with bulk_cursor() as cursor:
            cursor.execute("SELECT 1")
            assert cursor.fetchone() == (1,)
