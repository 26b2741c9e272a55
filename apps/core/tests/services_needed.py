"""Real services a test needs (Redis here): skipped where the machine has none, a failure in CI,
which must provide them, so a missing service never passes for a green run."""

import os

import pytest


def redis_or_skip(url: str, *, needed_for: str):
    """A connected client for the Redis at `url`; skip (fail under CI) when none answers."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        message = f"{needed_for} needs Redis at {url} ({exc})"
        if os.environ.get("CI"):
            pytest.fail(message + "; CI must provide it")
        pytest.skip(message)
    return client
