"""What each request we serve asks of Phone.inc: one budget for all of it, and what it cost.

The site's request log and /readyz know nothing of Phone.inc: the product adds this to them
when it starts (calls.apps). Around every request, `budgeted` opens the request's Phone.inc
budget (PHONEDASH_UPSTREAM_BUDGET seconds for everything it asks, waits for another request's
fetch included) and counts its Phone.inc requests and cache lookups afresh; `log_fields` gives
its log line those figures. Phone.inc's last answer is kept in the shared cache for /readyz
(`upstream_report`): its status and timing only, no company, URL or key.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

from django.conf import settings

from calls import phoneinc
from calls.answers import lookups
from calls.answers.store import shared

LAST_UPSTREAM_KEY = "health:upstream:last"
LAST_UPSTREAM_SECONDS = 24 * 3600


def page_budget() -> contextlib.AbstractContextManager[float]:
    """The Phone.inc budget of one page: everything asked of Phone.inc inside the block, waits
    for another request's fetch included, ends PHONEDASH_UPSTREAM_BUDGET seconds from now.

    Opened around every request (`budgeted`); commands and scripts that ask for calls open it
    around each piece of work a page would be. Nested, it only ever shortens the budget already
    open. Yields the deadline, in time.monotonic() terms.
    """
    return phoneinc.request_deadline(settings.PHONEDASH_UPSTREAM_BUDGET)


@contextlib.contextmanager
def budgeted() -> Iterator[None]:
    """Around a request we serve: its budget, its Phone.inc requests and lookups counted afresh."""
    phoneinc.upstream_stats_reset()
    lookups.reset()
    with page_budget():
        yield
    last = phoneinc.upstream_last()
    if last is not None:
        record_upstream(*last)


def log_fields() -> dict[str, object]:
    """The request's Phone.inc requests and milliseconds, and what the cache answered."""
    count, seconds = phoneinc.upstream_stats()
    return {
        "upstream_requests": count,
        "upstream_ms": round(seconds * 1000),
        "cache": cache_summary(lookups.found()),
    }


def cache_summary(found: tuple[str, ...]) -> str | None:
    """What this request's cache lookups found: "hit", "miss", "hit+miss", "miss+stale"...,
    with "+unavailable" when the cache failed the request or was being skipped."""
    words = ("hit", "miss", "stale", "unavailable")
    return "+".join(word for word in words if word in set(found)) or None


def record_upstream(outcome: str, ms: int) -> None:
    """Remember Phone.inc's last answer (an HTTP status or an error class name) for /readyz,
    through the shared cache's wrapper: a cache that does not answer costs this no time."""
    status = {"status": outcome, "ms": ms, "at": time.time()}
    shared.set(LAST_UPSTREAM_KEY, status, LAST_UPSTREAM_SECONDS)


def upstream_report() -> dict[str, object] | None:
    """Phone.inc's last answer as /readyz shows it, or None if none in the last day."""
    last = shared.get(LAST_UPSTREAM_KEY)
    if not isinstance(last, dict):
        return None
    status = str(last.get("status", ""))
    return {
        "last_status": status,
        # Any HTTP answer below 500 means Phone.inc is up, even a 401 for one company's key.
        "answering": status.isdigit() and int(status) < 500,
        "ms": last.get("ms"),
        "seconds_ago": max(0, round(time.time() - float(last.get("at", 0)))),
    }
