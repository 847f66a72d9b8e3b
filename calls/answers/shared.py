"""Django's cache as the product uses it: an outage costs a log line and a few seconds' skip,
never the page.

Every operation goes through a SharedCache (calls.answers.store.shared): one that fails logs
"cache unavailable (op): ErrorName" and answers as an empty cache would, so that pages go on to
Phone.inc. A cache that accepts connections and never answers costs each operation its socket
timeout (phonedash.redis_cache keeps that short), so after a failure this process skips the
cache for SKIP_SECONDS: its pages then spend no time on the cache at all, and the first
operation after that tries it again. Each request remembers whether the cache failed it or was
skipped (`had_trouble`), so that its log line, and a page that ran out of time, name the cache
rather than Phone.inc.

Two operations keep shared state bounded and exact across workers: `count`, a counter that
lives a given time from its first count (rate windows), and `keep_newest`, a bounded index of
keys whose oldest entries are deleted (each company's share of the cache). Both use the
backend's own atomic version when it has one (Redis), else this process's lock, which is exact
for the local-memory cache since it lives in this process alone.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from calls import phoneinc

log = logging.getLogger("phonedash.services")

# After a failed operation this process leaves the cache alone for this long: long enough that
# a hung cache costs a page at most one socket timeout, short enough that a recovered one is
# used again within seconds.
SKIP_SECONDS = 5.0


class CacheUnavailable(phoneinc.Unavailable):
    """The page's time went on a cache that did not answer, before Phone.inc was asked.

    A PhoneIncError so that pages show it like the others (503, styled, try again), but it
    names the cache: saying Phone.inc took too long would send people after the wrong system.
    """

    title = "phonedash's cache is not answering"
    default_message = (
        "phonedash's cache did not answer in time, so Phone.inc was not asked. "
        "Try again in a moment."
    )


_trouble: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "phonedash_cache_trouble", default=False
)


def trouble_reset() -> None:
    """Start a request afresh (calls.answers.lookups.reset)."""
    _trouble.set(False)


def had_trouble() -> bool:
    """Whether, since the reset, an operation failed or the cache was skipped."""
    return _trouble.get()


class SharedCache:
    """Operations on `backend()` (read on every call, so tests may replace it) that degrade."""

    def __init__(self, backend: Callable[[], Any]) -> None:
        self._backend = backend
        self._skip_until = 0.0  # time.monotonic(); shared by the process's threads
        self._lock = threading.Lock()  # makes the local versions of count and keep_newest atomic

    def get(self, key: str) -> Any:
        return self._run("get", None, lambda cache: cache.get(key))

    def add(self, key: str, value: object, timeout: float) -> bool:
        # As if the lock were ours: with no cache there is no one to wait for.
        return self._run("add", True, lambda cache: cache.add(key, value, timeout))

    def set(self, key: str, value: object, timeout: float) -> None:
        self._run("set", None, lambda cache: cache.set(key, value, timeout))

    def delete(self, key: str) -> None:
        self._run("delete", None, lambda cache: cache.delete(key))

    def count(self, key: str, timeout: int) -> int | None:
        """Add one to the counter at `key`, which lives `timeout` seconds from its first count;
        its new value, or None when the cache is unavailable (nothing is counted then)."""
        return self._run("count", None, lambda cache: self._count(cache, key, timeout))

    def keep_newest(self, index: str, key: str, keep: int, timeout: float) -> int:
        """Note `key` as the newest of the keys listed at `index` and delete those beyond the
        `keep` newest, with their entries; how many went (0 when the cache is unavailable)."""
        return self._run(
            "index", 0, lambda cache: self._keep_newest(cache, index, key, keep, timeout)
        )

    def skipping(self) -> bool:
        """Whether this process is leaving the cache alone after a failure."""
        return time.monotonic() < self._skip_until

    def reset(self) -> None:
        """Use the cache again at once (tests; a new cache configuration)."""
        self._skip_until = 0.0

    def _run(self, op: str, unavailable: Any, work: Callable[[Any], Any]) -> Any:
        if self.skipping():
            _trouble.set(True)
            return unavailable
        try:
            return work(self._backend())
        except Exception as error:
            self._skip_until = time.monotonic() + SKIP_SECONDS
            _trouble.set(True)
            log.warning(
                "cache unavailable (%s): %s; skipping the cache for %gs",
                op,
                type(error).__name__,
                SKIP_SECONDS,
            )
            return unavailable

    def _count(self, cache: Any, key: str, timeout: int) -> int:
        native = getattr(cache, "count", None)
        if native is not None:
            return native(key, timeout)
        with self._lock:
            if cache.add(key, 1, timeout):
                return 1
            try:
                return cache.incr(key)
            except ValueError:  # expired between the add and the incr
                cache.set(key, 1, timeout)
                return 1

    def _keep_newest(self, cache: Any, index: str, key: str, keep: int, timeout: float) -> int:
        native = getattr(cache, "keep_newest", None)
        if native is not None:
            return native(index, key, keep, timeout)
        with self._lock:
            listed = cache.get(index)
            keys = [k for k in listed if k != key] if isinstance(listed, tuple) else []
            keys.append(key)
            gone, kept = keys[: max(0, len(keys) - keep)], keys[-keep:]
            if gone:
                cache.delete_many(gone)
            cache.set(index, tuple(kept), timeout)
            return len(gone)
