"""Reads for the site's plumbing: whether the services a request depends on answer."""

import logging
import secrets

from django.core.cache import cache
from django.db import connection

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 2.0


def dependencies_check() -> dict[str, str]:
    """ "ok" or the error, for the database, the Celery broker and the cache."""
    return {"database": _database(), "broker": _broker(), "cache": _cache()}


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:
        logger.warning("readiness: database unreachable: %s", error)
        return f"error: {type(error).__name__}"
    return "ok"


def _broker() -> str:
    from portal.celery_app import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
    except Exception as error:
        logger.warning("readiness: broker unreachable: %s", error)
        return f"error: {type(error).__name__}"
    return "ok"


def _cache() -> str:
    # A per-call key: two workers probing at once cannot read each other's value.
    key = f"readyz:{secrets.token_hex(8)}"
    try:
        cache.set(key, "1", timeout=10)
        found = cache.get(key) == "1"
        cache.delete(key)
    except Exception as error:
        logger.warning("readiness: cache unreachable: %s", error)
        return f"error: {type(error).__name__}"
    return "ok" if found else "error: value not stored"
