"""What views call to get a company's calls: caching, single flight and stale answers.

Every entry is keyed by company, so one company can never be served another's answer. An
entry stays *fresh* for PHONEDASH_CACHE_SECONDS and is kept PHONEDASH_STALE_SECONDS longer so
that, when Phone.inc fails, the page can still show the last good answer marked with its age.
Concurrent misses for one key make a single upstream request: a cache-based lock (shared across
workers and hosts when the cache is Redis) lets one request fetch while the others wait for it.
Recording URLs are minted per request upstream and are never cached.

A worker also remembers the answers it has read or fetched, and serves one from its own memory
while it is fresh: fresh counts from when the answer was fetched, by whichever worker, so it is
exactly as fresh as the shared cache's copy, without the round trip. Only fresh answers are
served this way; misses, stale answers and single flight always go through the shared cache.
"""

from __future__ import annotations

import contextvars
import dataclasses
import hashlib
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache

from calls import encryption, payloads, phoneinc
from calls.models import Company
from calls.phoneinc import Call, PhoneIncError, RateLimited

log = logging.getLogger("phonedash.services")
T = TypeVar("T")

KEY_VERSION = "v2"  # v2: answers hold their value pickled (calls.payloads)
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

# What the cache lookups of the request being served found, for its log line.
_lookups: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar(
    "phonedash_cache_lookups", default=()
)


def cache_lookups_reset() -> None:
    """Start afresh; called at the start of each request we serve."""
    _lookups.set(())


def cache_lookups() -> tuple[str, ...]:
    """Since the reset, per lookup: "hit" (fresh in the cache), "miss" (asked for upstream, or
    for another request's fetch), or "miss" then "stale" (Phone.inc failed, an old answer shown)."""
    return _lookups.get()


def _note_lookup(outcome: str) -> None:
    _lookups.set((*_lookups.get(), outcome))


@dataclass(frozen=True, slots=True)
class CallFilters:
    """Normalised list parameters, exactly as they are sent to Phone.inc."""

    phone_number: str | None = None
    direction: str | None = None
    state: str | None = None
    limit: int = phoneinc.DEFAULT_LIMIT

    def params(self) -> dict[str, str | int]:
        values = {
            "phone_number": self.phone_number,
            "direction": self.direction,
            "state": self.state,
            "limit": self.limit,
        }
        return {name: value for name, value in values.items() if value not in (None, "")}


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


def client_for(company: Company) -> phoneinc.PhoneIncClient:
    """A client with the company's key; a key phonedash cannot use is an InvalidKey page."""
    try:
        return phoneinc.PhoneIncClient(
            company.api_key,
            base_url=settings.PHONE_INC_API_URL,
            timeout=settings.PHONEDASH_UPSTREAM_TIMEOUT,
            total_timeout=settings.PHONEDASH_UPSTREAM_BUDGET,
        )
    except encryption.UndecryptableKey:
        # The secret key changed without the old one in PHONEDASH_SECRET_KEY_FALLBACKS.
        log.error("company %s: stored API key cannot be decrypted", company.pk)
        raise phoneinc.InvalidKey(UNREADABLE_KEY, detail="undecryptable stored key") from None
    except ValueError as error:  # a stored key with spaces or control characters
        log.error("company %s: %s", company.pk, error)
        raise phoneinc.InvalidKey(detail=str(error)) from None


UNREADABLE_KEY = (
    "phonedash cannot read this company's stored Phone.inc API key. "
    "Ask your administrator to enter it again."
)


def list_calls(company: Company, filters: CallFilters) -> Answer[tuple[Call, ...]]:
    def fetch() -> tuple[Call, ...]:
        calls = client_for(company).list_calls(transcripts=False, **filters.params())
        return tuple(listed(call) for call in calls)

    return _cached(company, "list", repr(sorted(filters.params().items())), fetch)


def listed(call: Call) -> Call:
    """What a list keeps of a call: no recording link (minted per request) and no transcript.

    Lists never show a transcript and the detail page fetches its call itself, so a cached
    50-call answer drops them: it is a fraction of the size to store and to unpickle on every
    view (the list page's largest cost on a warm cache, before this).
    """
    call = call.without_recording()
    if call.segments is None and call.transcription is None:
        return call
    return dataclasses.replace(call, segments=None, transcription=None)


def get_call(company: Company, call_id: str) -> Answer[Call]:
    if not phoneinc.is_valid_call_id(call_id):
        raise phoneinc.NotFound()
    return _cached(
        company,
        "call",
        call_id,
        lambda: client_for(company).get_call(call_id).without_recording(),
    )


def get_call_fresh(company: Company, call_id: str) -> Call:
    """The call straight from Phone.inc, recording URL included: for playback, never cached."""
    if not phoneinc.is_valid_call_id(call_id):
        raise phoneinc.NotFound()
    _raise_if_cooling_down(company)
    try:
        return client_for(company).get_call(call_id)
    except RateLimited as error:
        _start_cooldown(company, error.retry_after)
        raise


FIRST_SEEN_SECONDS = 24 * 3600


def first_seen(company: Company, kind: str, identity: str, now: float) -> float:
    """When this dashboard first saw something (a call waiting for its summary...), by our own
    clock: remembered for a day in the cache, so every worker and every open page agree."""
    key = cache_key(company, kind, identity)
    _cache_add(key, now, FIRST_SEEN_SECONDS)
    seen = _cache_get(key)
    return float(seen) if isinstance(seen, int | float) else now


# --- The cache --------------------------------------------------------------------------------


def cache_key(company: Company, kind: str, identity: str) -> str:
    """company id + a digest of the normalised parameters (and of the stored key, so a new key
    never reads answers fetched with the old one)."""
    digest = hashlib.sha256(f"{company.api_key_encrypted}\x00{identity}".encode()).hexdigest()[:32]
    return f"calls:{KEY_VERSION}:{company.pk}:{kind}:{digest}"


def _cooldown_key(company: Company) -> str:
    return f"calls:{KEY_VERSION}:{company.pk}:cooldown"


def _cached[T](company: Company, kind: str, identity: str, fetch: Callable[[], T]) -> Answer[T]:
    key = cache_key(company, kind, identity)
    entry = _recent_fresh(key) or _entry_get(key)
    if entry is not None and _is_fresh(entry):
        _note_lookup("hit")
        return Answer(entry[1], entry[0], from_cache=True)
    _note_lookup("miss")
    # One budget for the page: the middleware sets it per request; this covers other callers.
    with phoneinc.request_deadline(settings.PHONEDASH_UPSTREAM_BUDGET):
        return _fetched_or_stale(company, key, fetch)


def _fetched_or_stale[T](company: Company, key: str, fetch: Callable[[], T]) -> Answer[T]:
    try:
        _raise_if_cooling_down(company)
        failing = _failing(key)
        if failing is None:
            return _fetch_once(company, key, fetch)
        error, may_probe = failing
        if not may_probe:
            raise error  # shown with the old answer, without asking Phone.inc
        return _fetch_once(company, key, fetch, busy=error)
    except PhoneIncError as error:
        if isinstance(error, phoneinc.NotFound | phoneinc.InvalidKey):
            raise
        entry = _entry_get(key)  # the holder of the lock may have left one meanwhile
        if entry is None or not _is_keepable(entry):
            raise
        if _is_fresh(entry):
            return Answer(entry[1], entry[0], from_cache=True)
        log.warning("serving a stale answer (%ss old): %s", int(time.time() - entry[0]), error)
        _note_lookup("stale")
        return Answer(entry[1], entry[0], from_cache=True, stale_because=error)


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
    notice = _cache_get(f"{key}:failed")
    if notice is None:
        return None
    failed_at, error = notice
    age = time.time() - failed_at
    if age >= FAILURE_NOTICE_SECONDS or isinstance(error, phoneinc.NotFound | phoneinc.InvalidKey):
        return None
    entry = _entry_get(key)
    if entry is None or not _is_keepable(entry) or entry[0] >= failed_at:
        return None
    return error, age >= PROBE_SECONDS


def _fetch_once[T](
    company: Company, key: str, fetch: Callable[[], T], *, busy: PhoneIncError | None = None
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
        if _cache_add(lock_key, token, lock_seconds):
            try:
                # The last holder may have stored its answer between our look and our lock:
                # it stands, or a waiter that saw the lock go would fetch the same thing again.
                entry = _entry_get(key)
                if entry is not None and entry[0] >= started - 0.001 and _is_fresh(entry):
                    return Answer(entry[1], entry[0], from_cache=True)
                if deadline - time.monotonic() < phoneinc.MIN_ATTEMPT_SECONDS:
                    raise _too_slow("took over a lock with no time left to fetch")
                return _fetch_and_store(company, key, notice_key, fetch)
            finally:
                if _cache_get(lock_key) == token:
                    _cache_delete(lock_key)
        if busy is not None:
            raise busy
        # Someone else is fetching: wait for their answer, their failure, or their lock to go.
        while time.monotonic() < deadline:
            time.sleep(POLL_INTERVAL)
            entry = _entry_get(key)
            if entry is not None and entry[0] >= started - 0.001 and _is_fresh(entry):
                return Answer(entry[1], entry[0], from_cache=True)
            notice = _cache_get(notice_key)
            if notice is not None and notice[0] >= started - 0.001:
                raise notice[1]
            if _cache_get(lock_key) is None:
                break  # the holder finished without an answer, or died: try to take over
        else:
            # This page has waited as long as it may: no fetch of its own beyond its deadline.
            raise _too_slow("waited for another request's fetch until the deadline")


def _too_slow(detail: str) -> phoneinc.Unavailable:
    return phoneinc.Unavailable(phoneinc.TOO_SLOW_MESSAGE, detail=detail)


def _fetch_and_store[T](company: Company, key: str, notice_key: str, fetch) -> Answer[T]:
    try:
        value = fetch()
    except RateLimited as error:
        _start_cooldown(company, error.retry_after)
        _cache_set(notice_key, (time.time(), error), FAILURE_NOTICE_SECONDS)
        raise
    except PhoneIncError as error:
        _cache_set(notice_key, (time.time(), error), FAILURE_NOTICE_SECONDS)
        raise
    fetched_at = time.time()
    ttl = settings.PHONEDASH_CACHE_SECONDS + settings.PHONEDASH_STALE_SECONDS
    if ttl > 0:
        _cache_set(key, (fetched_at, payloads.dumps(value)), ttl)
        _remember(key, (fetched_at, value))
    return Answer(value, fetched_at)


def _entry_get(key: str) -> tuple[float, object] | None:
    """An answer's entry as (fetched_at, value); the value is unpickled once per process."""
    entry = _cache_get(key)
    if entry is None:
        return None
    fetched_at, payload = entry
    return _remember(key, (fetched_at, payloads.loads(payload)))


# Answers this worker has read or fetched lately (frozen records, safe to share), by cache key.
_recent: dict[str, tuple[float, object]] = {}
RECENT_KEPT = 512


def _remember(key: str, entry: tuple[float, object]) -> tuple[float, object]:
    if len(_recent) >= RECENT_KEPT:
        _recent.clear()
    _recent[key] = entry
    return entry


def _recent_fresh(key: str) -> tuple[float, object] | None:
    entry = _recent.get(key)
    return entry if entry is not None and _is_fresh(entry) else None


def _is_fresh(entry: tuple[float, object]) -> bool:
    fresh_for = settings.PHONEDASH_CACHE_SECONDS
    if isinstance(entry[1], Call) and entry[1].is_live:
        fresh_for = min(fresh_for, LIVE_FRESH_SECONDS)
    return time.time() - entry[0] < fresh_for


def _is_keepable(entry: tuple[float, object]) -> bool:
    """Young enough to show marked stale: checked here too, as caches may keep entries longer."""
    age = time.time() - entry[0]
    return age < settings.PHONEDASH_CACHE_SECONDS + settings.PHONEDASH_STALE_SECONDS


def _start_cooldown(company: Company, seconds: int) -> None:
    _cache_set(_cooldown_key(company), time.time() + seconds, max(1, seconds))


def _raise_if_cooling_down(company: Company) -> None:
    until = _cache_get(_cooldown_key(company))
    if until is not None and until > time.time():
        raise RateLimited(retry_after=max(1, round(until - time.time())))


# A cache that is down must not take the dashboard with it: log it and go to Phone.inc.


def _cache_get(key: str):
    try:
        return cache.get(key)
    except Exception as error:
        log.warning("cache unavailable (get): %s", type(error).__name__)
        return None


def _cache_add(key: str, value, timeout: int) -> bool:
    try:
        return cache.add(key, value, timeout)
    except Exception as error:
        log.warning("cache unavailable (add): %s", type(error).__name__)
        return True


def _cache_set(key: str, value, timeout: int) -> None:
    try:
        cache.set(key, value, timeout)
    except Exception as error:
        log.warning("cache unavailable (set): %s", type(error).__name__)


def _cache_delete(key: str) -> None:
    try:
        cache.delete(key)
    except Exception as error:
        log.warning("cache unavailable (delete): %s", type(error).__name__)
