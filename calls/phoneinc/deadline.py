"""Per request we serve: one deadline for everything asked of Phone.inc, and its upstream time.

Both live in context variables, so each request (thread or task) sees only its own. The
request logging middleware resets the statistics, opens the deadline and logs the totals;
the client reads the deadline and records each attempt.
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Iterator

MIN_ATTEMPT_SECONDS = 0.5  # a retry, or a fetch after waiting on another, needs this much left

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "phonedash_request_deadline", default=None
)
_stats: contextvars.ContextVar[tuple[int, float]] = contextvars.ContextVar(
    "phonedash_upstream_stats", default=(0, 0.0)
)
_last: contextvars.ContextVar[tuple[str, int] | None] = contextvars.ContextVar(
    "phonedash_upstream_last", default=None
)


# --------------------------------------------------------------------------------------------
# One deadline per page: everything a request asks of Phone.inc, retries and waits included


@contextlib.contextmanager
def request_deadline(seconds: float) -> Iterator[float]:
    """Bound everything asked of Phone.inc inside the block by `seconds` from now, in all.

    Each client call has its own budget too; with this around a whole request, two calls in a
    row (or a wait for another request's fetch, then a fetch) share one budget instead of
    each getting a fresh one. Nested blocks never extend an outer deadline, only shorten it.
    Yields the deadline, in time.monotonic() terms.
    """
    deadline = time.monotonic() + seconds
    outer = _deadline.get()
    if outer is not None:
        deadline = min(deadline, outer)
    token = _deadline.set(deadline)
    try:
        yield deadline
    finally:
        _deadline.reset(token)


def request_time_left() -> float | None:
    """Seconds left of the current request's deadline (may be <= 0), or None without one."""
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()


# --------------------------------------------------------------------------------------------
# Upstream time per request, for the request logging middleware


def upstream_stats_reset() -> None:
    """Start counting afresh; called at the start of each request we serve."""
    _stats.set((0, 0.0))
    _last.set(None)


def upstream_stats() -> tuple[int, float]:
    """(number of upstream attempts, total seconds spent in them) since the last reset."""
    return _stats.get()


def upstream_last() -> tuple[str, int] | None:
    """The last attempt since the reset: its outcome (an HTTP status such as "200", or an error
    class such as "ReadTimeout") and milliseconds; None if there was none. For /readyz."""
    return _last.get()


def record_attempt(seconds: float, outcome: str) -> None:
    """Count one upstream attempt (the client calls this once per HTTP request it makes)."""
    count, total = _stats.get()
    _stats.set((count + 1, total + seconds))
    _last.set((outcome, round(seconds * 1000)))
