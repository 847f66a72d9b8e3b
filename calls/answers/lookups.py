"""What this request's cache lookups found, for its log line (phonedash.requestlog).

calls.answers.store notes each lookup; the request middleware resets them at the start of each
request and reads them at its end, with "unavailable" once when the shared cache failed.
"""

from __future__ import annotations

import contextvars

from calls.answers import shared as shared_cache

_lookups: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar(
    "phonedash_cache_lookups", default=()
)


def reset() -> None:
    """Start afresh; called at the start of each request we serve."""
    _lookups.set(())
    shared_cache.trouble_reset()


def found() -> tuple[str, ...]:
    """Since the reset, per lookup: "hit" (fresh in the cache), "miss" (asked for upstream, or
    for another request's fetch), or "miss" then "stale" (Phone.inc failed, an old answer shown);
    then "unavailable" once if the cache failed this request or was being skipped."""
    trouble = ("unavailable",) if shared_cache.had_trouble() else ()
    return (*_lookups.get(), *trouble)


def note(outcome: str) -> None:
    _lookups.set((*_lookups.get(), outcome))
