"""Phone.inc answers in the shared cache: entries, single flight, stale answers, the breaker.

The shared cache is reached through calls.answers.shared, where an outage costs a log line and a
few seconds' skip instead of the page.

Every entry is keyed by company, so one company can never be served another's answer. An
entry stays *fresh* for PHONEDASH_CACHE_SECONDS and is kept PHONEDASH_STALE_SECONDS longer so
that, when Phone.inc fails, the page can still show the last good answer marked with its age.
Concurrent misses for one key make a single upstream request: a cache-based lock (shared across
workers and hosts when the cache is Redis) lets one request fetch while the others wait for it.

A worker also remembers the answers it has read or fetched, and serves one from its own memory
while it is fresh: fresh counts from when the answer was fetched, by whichever worker, so it is
exactly as fresh as the shared cache's copy, without the round trip. Only fresh answers are
served this way; misses, stale answers and single flight always go through the shared cache.

Waits and fetches count against the page's Phone.inc budget (services.page_budget), which the
request middleware opens once per request; outside one, a wait lasts at most the lock's life.

Each company has a bounded share: at most PHONEDASH_CACHE_ANSWERS_PER_COMPANY answers (and as
many failure notices) in the shared cache, its own oldest deleted first, so that however many
distinct filters one company's members try, no other company's answer is pushed out, and it is
still there to show during an outage; and its requests to Phone.inc count against its
per-minute share (calls.answers.quotas).
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache

from calls import memo, phoneinc
from calls.answers import lookups, quotas
from calls.answers import shared as shared_cache
from calls.answers.shared import SharedCache
from calls.models import Company
from calls.phoneinc import Call, PhoneIncError, RateLimited

log = logging.getLogger("phonedash.services")
T = TypeVar("T")

KEY_VERSION = "v3"  # v3: entries are CacheEntry and FailureNotice records
POLL_INTERVAL = 0.05
# A failure seen by the request that held the lock is shared with the requests waiting on it,
# so that twenty waiters do not each retry a failing Phone.inc in turn; and for this long it
# keeps the circuit breaker open: later pages with an old answer get it at once (see _failing).
FAILURE_NOTICE_SECONDS = 15
# While the breaker is open, one request this often (and only one: it takes the lock) asks
# Phone.inc again, so that a recovery is seen within seconds.
PROBE_SECONDS = 5
# A call in progress changes by the second and its page polls every 2 s: however long answers
# are fresh, a live call is fresh this long only (still one upstream request for all viewers).
LIVE_FRESH_SECONDS = 1
# Answers this worker remembers, sized by what their records take in memory (not by their
# pickled length: unpickled, a call of 120,000 short segments takes five times its pickle).
RECENT_KEPT = 512
RECENT_BYTES = 8 * 1024 * 1024
# Sizes are counted exactly up to this much, past which no memo keeps a value: a call of
# 120,000 segments is not walked to its end just to learn that it is too large to keep.
SIZE_COUNTED_UP_TO = RECENT_BYTES


@dataclass(frozen=True, slots=True)
class Answer[T]:
    """A value from Phone.inc, with where it came from and how old it is."""

    value: T
    fetched_at: float
    from_cache: bool = False
    stale_because: PhoneIncError | None = None

    @property
    def is_stale(self) -> bool:
        return self.stale_because is not None

    @property
    def age_seconds(self) -> int:
        return max(0, int(time.time() - self.fetched_at))


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """An answer as the shared cache holds it: when it was fetched, and its value pickled."""

    fetched_at: float
    payload: bytes


@dataclass(frozen=True, slots=True)
class Entry:
    """A CacheEntry as this worker holds it: the value unpickled, `size` what it takes in memory."""

    fetched_at: float
    value: Any
    size: int


@dataclass(frozen=True, slots=True)
class FailureNotice:
    """What the last fetch for a key ran into, and when: shared with waiters, and the breaker."""

    failed_at: float
    error: PhoneIncError


# --- The shared cache, and its outages ----------------------------------------------------------


# Reads this module's `cache` on every call, so that tests can replace it.
shared = SharedCache(lambda: cache)


def cache_key(company: Company, kind: str, identity: str) -> str:
    """company id + a digest of the normalised parameters (and of the stored key, so a new key
    never reads answers fetched with the old one)."""
    digest = hashlib.sha256(f"{company.api_key_encrypted}\x00{identity}".encode()).hexdigest()[:32]
    return f"calls:{KEY_VERSION}:{company.pk}:{kind}:{digest}"


def _cooldown_key(company: Company) -> str:
    return f"calls:{KEY_VERSION}:{company.pk}:cooldown"


def _share_key(company: Company, kind: str) -> str:
    """The index of the company's answers (or failure notices) in the cache, oldest first."""
    return f"calls:{KEY_VERSION}:{company.pk}:share:{kind}"


# --- Fresh, stale, or fetched once --------------------------------------------------------------


def cached[T](
    company: Company,
    kind: str,
    identity: str,
    fetch: Callable[[], T],
    *,
    searcher: int | None = None,
) -> Answer[T]:
    """The answer for this key: fresh from memory or the cache, else fetched (once for all
    concurrent misses), else, when Phone.inc fails, the last good one marked stale.

    A fetch counts against the company's requests per minute, and against the searches per
    minute of member `searcher` when one is given (calls.answers.quotas)."""
    key = cache_key(company, kind, identity)
    entry = _recent_fresh(key) or _entry_get(key, fresh_only=True)
    if entry is not None and _is_fresh(entry):
        lookups.note("hit")
        return Answer(entry.value, entry.fetched_at, from_cache=True)
    lookups.note("miss")
    return _fetched_or_stale(company, key, fetch, searcher)


def peek(company: Company, kind: str, identity: str) -> Answer[Any] | None:
    """The answer for this key if one is fresh in memory or the cache, else None: never asks
    Phone.inc, never waits on another request's fetch, and counts as no lookup."""
    key = cache_key(company, kind, identity)
    entry = _recent_fresh(key) or _entry_get(key, fresh_only=True)
    if entry is None or not _is_fresh(entry):
        return None
    return Answer(entry.value, entry.fetched_at, from_cache=True)


def _fetched_or_stale[T](
    company: Company, key: str, fetch: Callable[[], T], searcher: int | None
) -> Answer[T]:
    try:
        raise_if_cooling_down(company)
        failing = _failing(key)
        if failing is None:
            return _fetch_once(company, key, fetch, searcher=searcher)
        error, may_probe = failing
        if not may_probe:
            raise error  # shown with the old answer, without asking Phone.inc
        return _fetch_once(company, key, fetch, searcher=searcher, busy=error)
    except PhoneIncError as error:
        if error.is_final:
            raise
        entry = _entry_get(key)  # the holder of the lock may have left one meanwhile
        if entry is None or not _is_keepable(entry):
            raise
        if _is_fresh(entry):
            return Answer(entry.value, entry.fetched_at, from_cache=True)
        age = int(time.time() - entry.fetched_at)
        log.warning("serving a stale answer (%ss old): %s", age, error)
        lookups.note("stale")
        return Answer(entry.value, entry.fetched_at, from_cache=True, stale_because=error)


def _failing(key: str) -> tuple[PhoneIncError, bool] | None:
    """The circuit breaker: (the error, whether this request may ask again) while it is open.

    During an outage every page would otherwise wait out the whole budget before showing its
    old answer. So once a fetch for this key has failed, for FAILURE_NOTICE_SECONDS a page
    that has an answer young enough to show (marked stale) gets it at once. Every
    PROBE_SECONDS one request is let through to ask Phone.inc again: it must also take the
    lock at once, so only one asks while the others keep getting the old answer. Its answer
    closes the breaker (the entry is newer than the failure); its failure opens it afresh.
    A refused key or a missing call is never hidden this way, and with nothing to show
    every request asks, as without a breaker.
    """
    notice = _notice_get(f"{key}:failed")
    if notice is None:
        return None
    age = time.time() - notice.failed_at
    error = notice.error
    if age >= FAILURE_NOTICE_SECONDS or error.is_final:
        return None
    entry = _entry_get(key)
    if entry is None or not _is_keepable(entry) or entry.fetched_at >= notice.failed_at:
        return None
    return error, age >= PROBE_SECONDS


def _fetch_once[T](
    company: Company,
    key: str,
    fetch: Callable[[], T],
    *,
    searcher: int | None = None,
    busy: PhoneIncError | None = None,
) -> Answer[T]:
    """Fetch under a lock so that concurrent misses for one key make one upstream request.

    Waiting for another request's fetch comes out of this request's own deadline: a waiter
    gives up when that has passed (the caller then shows a stale answer if it has one), and
    one that takes over a lock too late to fetch in time says so instead of asking anyway.
    With `busy`, a lock someone else holds raises it at once instead of waiting (the breaker's
    probe: whoever asks, the others show their old answer).
    """
    lock_key, notice_key = f"{key}:lock", f"{key}:failed"
    lock_seconds = int(settings.PHONEDASH_UPSTREAM_BUDGET) + 2
    token = uuid.uuid4().hex
    left = phoneinc.request_time_left()
    deadline = time.monotonic() + (lock_seconds if left is None else min(left, lock_seconds))
    started = time.time()
    while True:
        if shared.add(lock_key, token, lock_seconds):
            try:
                # The last holder may have stored its answer between our look and our lock:
                # it stands, or a waiter that saw the lock go would fetch the same thing again.
                entry = _entry_get(key, fresh_only=True)
                if entry is not None and entry.fetched_at >= started - 0.001 and _is_fresh(entry):
                    return Answer(entry.value, entry.fetched_at, from_cache=True)
                if deadline - time.monotonic() < phoneinc.MIN_ATTEMPT_SECONDS:
                    raise _too_slow("took over a lock with no time left to fetch")
                return _fetch_and_store(company, key, notice_key, fetch, searcher)
            finally:
                if shared.get(lock_key) == token:
                    shared.delete(lock_key)
        if busy is not None:
            raise busy
        # Someone else is fetching: wait for their answer, their failure, or their lock to go.
        while time.monotonic() < deadline:
            time.sleep(POLL_INTERVAL)
            entry = _entry_get(key, fresh_only=True)
            if entry is not None and entry.fetched_at >= started - 0.001 and _is_fresh(entry):
                return Answer(entry.value, entry.fetched_at, from_cache=True)
            notice = _notice_get(notice_key)
            if notice is not None and notice.failed_at >= started - 0.001:
                raise notice.error
            if shared.get(lock_key) is None:
                break  # the holder finished without an answer, or died: try to take over
        else:
            # This page has waited as long as it may: no fetch of its own beyond its deadline.
            raise _too_slow("waited for another request's fetch until the deadline")


def _too_slow(detail: str) -> phoneinc.Unavailable:
    """Out of time before asking Phone.inc: the cache's doing when it failed this request."""
    if shared_cache.had_trouble():
        log.warning("the cache took this request's time (%s); Phone.inc not asked", detail)
        return shared_cache.CacheUnavailable(detail=f"cache unavailable; {detail}")
    return phoneinc.Unavailable(phoneinc.TOO_SLOW_MESSAGE, detail=detail)


def _fetch_and_store[T](
    company: Company, key: str, notice_key: str, fetch: Callable[[], T], searcher: int | None
) -> Answer[T]:
    left = phoneinc.request_time_left()
    if left is not None and left < phoneinc.MIN_ATTEMPT_SECONDS and shared_cache.had_trouble():
        raise _too_slow("no time left to fetch")
    quotas.charge(shared, company, searcher)  # over a share: refused, and no notice for others
    try:
        value = fetch()
    except PhoneIncError as error:
        if isinstance(error, RateLimited):
            start_cooldown(company, error.retry_after)
        _store(company, notice_key, FailureNotice(time.time(), error))
        raise
    fetched_at = time.time()
    if settings.PHONEDASH_CACHE_SECONDS + settings.PHONEDASH_STALE_SECONDS > 0:
        payload = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        _store(company, key, CacheEntry(fetched_at, payload))
        _recent.put(key, Entry(fetched_at, value, _size_of(value)))
    return Answer(value, fetched_at)


def _store(company: Company, key: str, record: CacheEntry | FailureNotice) -> None:
    """Keep an answer (or a failure notice) within the company's share of the cache."""
    if isinstance(record, FailureNotice):
        kind, ttl = "notices", FAILURE_NOTICE_SECONDS
    else:
        kind, ttl = "answers", settings.PHONEDASH_CACHE_SECONDS + settings.PHONEDASH_STALE_SECONDS
    shared.set(key, record, ttl)
    keep = settings.PHONEDASH_CACHE_ANSWERS_PER_COMPANY
    shared.keep_newest(_share_key(company, kind), key, keep, ttl)


def _entry_get(key: str, *, fresh_only: bool = False) -> Entry | None:
    """The answer's entry in the shared cache, unpickled and kept in this worker's memory.

    With `fresh_only`, None for an entry fetched too long ago to be fresh, without unpickling
    it: a page that is about to fetch anew does not need the old answer (only a failed fetch
    does, and asks again for it)."""
    stored = shared.get(key)
    if not isinstance(stored, CacheEntry):
        return None
    if fresh_only and time.time() - stored.fetched_at >= settings.PHONEDASH_CACHE_SECONDS:
        return None
    value = pickle.loads(stored.payload)
    size = _size_of(value)
    return _recent.put(key, Entry(stored.fetched_at, value, size))


def _notice_get(key: str) -> FailureNotice | None:
    notice = shared.get(key)
    return notice if isinstance(notice, FailureNotice) else None


def _size_of(value: object) -> int:
    return memo.deep_size(value, stop_above=SIZE_COUNTED_UP_TO)


def _recent_size(key: str, entry: Entry) -> int:
    return entry.size + memo.SMALL_ENTRY_BYTES


# Answers this worker has read or fetched lately (frozen records, safe to share), by cache key.
_recent: memo.Memo[str, Entry] = memo.Memo(
    "recent answers", entries=RECENT_KEPT, max_bytes=RECENT_BYTES, sizeof=_recent_size
)


def _recent_fresh(key: str) -> Entry | None:
    entry = _recent.get(key)
    return entry if entry is not None and _is_fresh(entry) else None


def _is_fresh(entry: Entry) -> bool:
    fresh_for = settings.PHONEDASH_CACHE_SECONDS
    if isinstance(entry.value, Call) and entry.value.is_live:
        fresh_for = min(fresh_for, LIVE_FRESH_SECONDS)
    return time.time() - entry.fetched_at < fresh_for


def _is_keepable(entry: Entry) -> bool:
    """Young enough to show marked stale: checked here too, as caches may keep entries longer."""
    age = time.time() - entry.fetched_at
    return age < settings.PHONEDASH_CACHE_SECONDS + settings.PHONEDASH_STALE_SECONDS


# --- Cooldown after a 429 -----------------------------------------------------------------------


def start_cooldown(company: Company, seconds: int) -> None:
    """Ask Phone.inc nothing more for this company until its Retry-After has passed."""
    shared.set(_cooldown_key(company), time.time() + seconds, max(1, seconds))


def raise_if_cooling_down(company: Company) -> None:
    until = shared.get(_cooldown_key(company))
    if isinstance(until, int | float) and until > time.time():
        raise RateLimited(retry_after=max(1, round(until - time.time())))
