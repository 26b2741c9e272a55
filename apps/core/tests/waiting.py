"""Waiting in tests for a condition, never for a fixed time: a fixed sleep is either too short on
a busy machine (a flaky test) or longer than needed everywhere else (a slow one)."""

import time
from collections.abc import Callable


class WaitTimeout(AssertionError):
    pass


def wait_until[T](
    predicate: Callable[[], T],
    *,
    timeout: float,
    interval: float = 0.1,
    message: str | Callable[[], str] = "the condition",
) -> T:
    """Call `predicate` until it returns something truthy, and return that; fail once `timeout`
    seconds have passed. `message` (or what it returns, read only on failure) says what was
    awaited, with any log worth showing."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            text = message() if callable(message) else message
            raise WaitTimeout(f"timed out after {timeout:g} s waiting for {text}")
        # The polling interval, not a wait for something to happen.
        time.sleep(interval)


def poll_until(predicate: Callable[[], object], *, timeout: float, interval: float = 0.1) -> bool:
    """Like wait_until, but answer False on timeout instead of failing (for a caller that
    reports the failure itself, with more to say)."""
    try:
        wait_until(predicate, timeout=timeout, interval=interval)
    except WaitTimeout:
        return False
    return True
