"""calls.sources.window (and calls.answers.store under it) against the served simulator:
caching, single flight, stale answers, the circuit breaker, cooldown, the page budget and cache
outages.

Time is moved with a clock fixture that shifts calls.answers.store's view of time.time(), so
freshness, staleness and cooldowns are tested without sleeping through them. The simulator
counts the requests that reached it, which is what "no upstream request" means here.
"""

from __future__ import annotations

import dataclasses
import logging
import pickle
import threading
import time
import types

import pytest

from calls import phoneinc
from calls.answers import lookups
from calls.answers import shared as shared_cache
from calls.answers import store as answers
from calls.answers.requests import page_budget
from calls.phoneinc import InvalidKey, NotFound, RateLimited, Unavailable
from calls.sources import CallQuery
from calls.sources import window as services
from tests.conftest import ACME_KEY
from tests.phoneinc.test_against_simulator import EXAMPLE_ID

ALL = CallQuery()


def peek(company, query):
    """The window's answer if a fresh one is at hand without asking Phone.inc, else None."""
    found = services.Window(company).peek(query)
    return None if found is None else found.answer


THREADS = 20


class Clock:
    """Wall-clock time as calls.answers.store sees it, moved forward on demand."""

    def __init__(self) -> None:
        self.offset = 0.0

    def time(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    fake = types.SimpleNamespace(time=clock.time, monotonic=time.monotonic, sleep=time.sleep)
    monkeypatch.setattr(answers, "time", fake)
    return clock


@pytest.fixture
def fresh_for(settings):
    settings.PHONEDASH_CACHE_SECONDS = 15
    settings.PHONEDASH_STALE_SECONDS = 600
    return settings


def upstream(simulator) -> int:
    return simulator.request_count("/api/")


def run_together(count: int, work) -> list:
    """Run `work(i)` in `count` threads released at once; results or exceptions, in order."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def target(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as error:
            results[i] = error

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return results


# --- Caching ---------------------------------------------------------------------------------


def test_it_serves_repeats_within_the_ttl_from_the_cache(acme, simulator, fresh_for, clock):
    first = services.list_calls(acme, ALL)
    clock.advance(14)
    second = services.list_calls(acme, ALL)
    detail = services.get_call(acme, EXAMPLE_ID)
    detail_again = services.get_call(acme, EXAMPLE_ID)
    assert upstream(simulator) == 2  # one list, one call
    assert not first.from_cache and second.from_cache
    assert [c.id for c in second.value] == [c.id for c in first.value]
    assert detail_again.from_cache and detail_again.value == detail.value
    assert second.age_seconds == 14


def test_it_asks_again_once_the_ttl_has_passed(acme, simulator, fresh_for, clock):
    services.list_calls(acme, ALL)
    clock.advance(15.1)
    answer = services.list_calls(acme, ALL)
    assert upstream(simulator) == 2
    assert not answer.from_cache and not answer.is_stale


def test_it_serves_a_fresh_answer_from_the_workers_memory(acme, simulator, fresh_for, clock):
    """No round trip to the shared cache for an answer this worker holds and is still fresh."""
    first = services.list_calls(acme, ALL)
    clock.advance(14)
    shared = answers.cache
    answers.cache = BrokenCache()  # any use of the shared cache would now fail loudly
    try:
        again = services.list_calls(acme, ALL)
    finally:
        answers.cache = shared
    assert again.from_cache and again.value == first.value and again.age_seconds == 14
    assert upstream(simulator) == 1


def test_it_reads_the_shared_cache_once_its_own_answer_is_not_fresh(
    acme, simulator, fresh_for, clock
):
    services.list_calls(acme, ALL)
    key = answers.cache_key(acme, "list", repr(sorted(ALL.upstream().items())))
    stored = answers.cache.get(key)
    newer = dataclasses.replace(stored, fetched_at=stored.fetched_at + 10)  # another worker's
    answers.cache.set(key, newer, 600)
    clock.advance(16)
    answer = services.list_calls(acme, ALL)
    assert answer.from_cache and answer.age_seconds == 6
    assert upstream(simulator) == 1


def test_it_stores_answers_and_failures_as_named_records(acme, simulator, fresh_for):
    services.list_calls(acme, ALL)
    key = answers.cache_key(acme, "list", repr(sorted(ALL.upstream().items())))
    stored = answers.cache.get(key)
    assert isinstance(stored, answers.CacheEntry) and isinstance(stored.payload, bytes)
    assert f":{answers.KEY_VERSION}:" in key
    simulator.set_fault(status=500, count=1)
    with pytest.raises(Unavailable):
        services.list_calls(acme, CallQuery(limit=25))
    failed = answers.cache_key(acme, "list", repr(sorted(CallQuery(limit=25).upstream().items())))
    notice = answers.cache.get(f"{failed}:failed")
    assert isinstance(notice, answers.FailureNotice) and isinstance(notice.error, Unavailable)


def test_it_ignores_an_entry_that_is_not_one_of_its_records(acme, simulator, fresh_for):
    """An entry in another shape (as an older release stored it) is a miss, never misread."""
    key = answers.cache_key(acme, "list", repr(sorted(ALL.upstream().items())))
    answers.cache.set(key, (time.time(), b"not a pickled answer"), 600)
    answers.cache.set(f"{key}:failed", (time.time(), "not an error"), 600)
    assert len(services.list_calls(acme, ALL).value) == 10
    assert upstream(simulator) == 1


def test_it_follows_the_configured_ttl(acme, simulator, settings, clock):
    settings.PHONEDASH_CACHE_SECONDS = 2
    services.list_calls(acme, ALL)
    clock.advance(1.5)
    services.list_calls(acme, ALL)
    assert upstream(simulator) == 1
    clock.advance(1)
    services.list_calls(acme, ALL)
    assert upstream(simulator) == 2


def test_it_keeps_a_live_call_fresh_for_a_second_only(acme, simulator, fresh_for, clock):
    """Its page polls every 2 s: an answer fresh for 15 s would freeze the call on screen."""
    live = simulator.add_live_call(ACME_KEY)
    services.get_call(acme, live["id"])
    assert services.get_call(acme, live["id"]).from_cache
    clock.advance(answers.LIVE_FRESH_SECONDS + 0.1)
    answer = services.get_call(acme, live["id"])
    assert not answer.from_cache and upstream(simulator) == 2


def test_it_does_not_cache_with_a_ttl_of_zero(acme, simulator, settings):
    settings.PHONEDASH_CACHE_SECONDS = 0
    services.list_calls(acme, ALL)
    services.list_calls(acme, ALL)
    assert upstream(simulator) == 2


def test_it_keys_the_cache_by_the_normalised_filters(acme, simulator, fresh_for):
    services.list_calls(acme, CallQuery(direction="inbound", limit=25))
    services.list_calls(acme, CallQuery(direction="inbound", limit=25))
    services.list_calls(acme, CallQuery(direction="outbound", limit=25))
    services.list_calls(acme, CallQuery(direction="inbound", limit=10))
    assert upstream(simulator) == 3


def test_it_never_shares_an_entry_between_companies(acme, globex, simulator, fresh_for):
    for _ in range(2):
        acme_ids = {c.id for c in services.list_calls(acme, ALL).value}
        globex_ids = {c.id for c in services.list_calls(globex, ALL).value}
        assert acme_ids and globex_ids and not acme_ids & globex_ids
    assert upstream(simulator) == 2
    assert [r.company for r in simulator.requests] == ["Acme Corp", "Globex"]
    assert answers.cache_key(acme, "list", "x") != answers.cache_key(globex, "list", "x")


def test_it_never_serves_a_call_to_another_company(acme, globex, simulator, fresh_for):
    services.get_call(acme, EXAMPLE_ID)  # cached for Acme
    with pytest.raises(NotFound):
        services.get_call(globex, EXAMPLE_ID)


def test_it_starts_afresh_when_the_api_key_changes(acme, simulator, fresh_for):
    services.list_calls(acme, ALL)
    acme.set_api_key("sim_unknown_key_000000000")
    with pytest.raises(InvalidKey):
        services.list_calls(acme, ALL)
    assert upstream(simulator) == 2


def test_it_never_caches_a_recording_url(acme, simulator, fresh_for):
    fresh = services.get_call_fresh(acme, EXAMPLE_ID)
    assert fresh.recording_url  # there is one to leave out
    answer = services.get_call(acme, EXAMPLE_ID)
    listed = services.list_calls(acme, CallQuery(phone_number="+14085550199", limit=50))
    assert answer.value.recording_url is None and answer.value.has_recording
    assert all(call.recording_url is None for call in listed.value)
    for kind, identity in [
        ("call", EXAMPLE_ID),
        ("list", repr(sorted(CallQuery(phone_number="+14085550199", limit=50).upstream().items()))),
    ]:
        entry = answers.cache.get(answers.cache_key(acme, kind, identity))
        assert isinstance(entry, answers.CacheEntry)
        assert b"/recordings/" not in pickle.dumps(entry)
        assert b"recording.wav" not in pickle.dumps(entry)


def test_it_caches_lists_without_transcripts(acme, simulator, fresh_for):
    """A list never shows a transcript: its cached entry (unpickled on every view) holds none."""
    upstream_calls = services.client_for(acme).list_calls(limit=50)
    with_transcript = next(call for call in upstream_calls if call.segments)
    listed = services.list_calls(acme, CallQuery(limit=50)).value
    assert [call.id for call in listed] == [call.id for call in upstream_calls]
    assert all(call.segments is None and call.transcription is None for call in listed)
    assert services.get_call(acme, with_transcript.id).value.segments == with_transcript.segments


def test_it_fetches_a_recording_fresh_every_time(acme, simulator, fresh_for):
    first = services.get_call_fresh(acme, EXAMPLE_ID)
    second = services.get_call_fresh(acme, EXAMPLE_ID)
    assert upstream(simulator) == 2
    assert first.recording_url and second.recording_url


def test_it_never_caches_an_error(acme, simulator, fresh_for):
    simulator.set_fault(status=500, count=1)
    with pytest.raises(Unavailable):
        services.list_calls(acme, ALL)
    assert len(services.list_calls(acme, ALL).value) == 10
    assert upstream(simulator) == 2


def test_it_never_caches_a_missing_call(acme, simulator, fresh_for):
    for _ in range(2):
        with pytest.raises(NotFound):
            services.get_call(acme, "0193f4ba-0000-7c00-9e3d-000000000000")
    assert upstream(simulator) == 2


def test_it_refuses_an_impossible_call_id_without_asking(acme, simulator):
    for call_id in ["../calls", "a/b", "", "x" * 65]:
        with pytest.raises(NotFound):
            services.get_call(acme, call_id)
        with pytest.raises(NotFound):
            services.get_call_fresh(acme, call_id)
    assert upstream(simulator) == 0


# --- Single flight -------------------------------------------------------------------------


def test_it_makes_one_request_for_twenty_concurrent_misses(acme, simulator, fresh_for):
    simulator.delay = 0.3
    answers = run_together(THREADS, lambda i: services.list_calls(acme, ALL))
    assert upstream(simulator) == 1
    assert all(isinstance(a, services.Answer) for a in answers), answers
    assert len({tuple(c.id for c in a.value) for a in answers}) == 1
    assert sum(not a.from_cache for a in answers) == 1


def test_it_makes_one_request_per_key_when_keys_differ(acme, globex, simulator, fresh_for):
    simulator.delay = 0.3
    keys = [
        (acme, CallQuery()),
        (acme, CallQuery(direction="inbound")),
        (acme, CallQuery(limit=25)),
        (globex, CallQuery()),
    ]
    answers = run_together(THREADS, lambda i: services.list_calls(*keys[i % len(keys)]))
    assert all(isinstance(a, services.Answer) for a in answers), answers
    assert upstream(simulator) == len(keys)
    queries = sorted((r.company, tuple(sorted(r.query.items()))) for r in simulator.requests)
    assert len(set(queries)) == len(keys)


def test_it_shares_the_holders_failure_with_its_waiters(acme, simulator, fresh_for):
    simulator.set_fault(status=500, count=1, delay=0.3)
    results = run_together(THREADS, lambda i: services.list_calls(acme, ALL))
    assert all(isinstance(r, Unavailable) for r in results), results
    assert upstream(simulator) == 1


def test_it_lets_a_waiter_take_over_when_the_holder_crashes(acme, simulator, fresh_for):
    started = threading.Event()

    def crashing_fetch():
        started.set()
        time.sleep(0.3)
        raise RuntimeError("worker crashed mid-request")

    def holder():
        with pytest.raises(RuntimeError):
            answers.cached(acme, "list", repr(sorted(ALL.upstream().items())), crashing_fetch)

    thread = threading.Thread(target=holder)
    thread.start()
    assert started.wait(5)
    answer = services.list_calls(acme, ALL)  # waits on the holder, then fetches itself
    thread.join(5)
    assert len(answer.value) == 10 and not answer.from_cache
    assert upstream(simulator) == 1


def test_it_takes_over_a_lock_left_by_a_dead_holder(acme, simulator, fresh_for):
    key = answers.cache_key(acme, "list", repr(sorted(ALL.upstream().items())))
    answers.cache.add(f"{key}:lock", "a worker that died", 1)
    started = time.monotonic()
    answer = services.list_calls(acme, ALL)
    assert 0.8 < time.monotonic() - started < 3
    assert len(answer.value) == 10
    assert upstream(simulator) == 1


# --- One deadline per request --------------------------------------------------------------


def test_it_waits_for_another_fetch_no_longer_than_the_requests_deadline(
    acme, simulator, fresh_for
):
    """The holder asks a slow Phone.inc; a page that waits on it gives up at its own deadline
    instead of waiting out the lock (12 s) and then fetching with a fresh budget (10 s more)."""
    simulator.delay = 2.5
    holder = threading.Thread(target=services.list_calls, args=(acme, ALL))
    holder.start()
    time.sleep(0.3)
    started = time.monotonic()
    with phoneinc.request_deadline(1.0), pytest.raises(Unavailable) as caught:
        services.list_calls(acme, ALL)
    elapsed = time.monotonic() - started
    holder.join(10)
    assert elapsed < 1.4
    assert "took too long" in caught.value.message
    assert upstream(simulator) == 1  # the holder's


def test_it_shows_a_stale_answer_when_its_wait_runs_out(acme, simulator, fresh_for, clock):
    services.list_calls(acme, ALL)
    clock.advance(60)
    key = answers.cache_key(acme, "list", repr(sorted(ALL.upstream().items())))
    answers.cache.add(f"{key}:lock", "a slow holder", 30)
    started = time.monotonic()
    with phoneinc.request_deadline(0.5):
        answer = services.list_calls(acme, ALL)
    assert time.monotonic() - started < 0.9
    assert answer.is_stale and answer.age_seconds == 60
    assert "took too long" in answer.stale_because.message
    assert upstream(simulator) == 1  # the first, fresh fetch only


def test_it_does_not_fetch_after_waiting_with_too_little_time_left(acme, simulator, fresh_for):
    """The holder died; its lock goes when the page has 0.2 s left: too late to ask in time."""
    key = answers.cache_key(acme, "list", repr(sorted(ALL.upstream().items())))
    answers.cache.add(f"{key}:lock", "a worker that died", 1)
    started = time.monotonic()
    with phoneinc.request_deadline(1.2), pytest.raises(Unavailable) as caught:
        services.list_calls(acme, ALL)
    assert time.monotonic() - started < 1.5
    assert "took too long" in caught.value.message
    assert upstream(simulator) == 0
    assert answers.cache.get(f"{key}:failed") is None  # nothing to hold against Phone.inc


def test_it_keeps_a_waiter_outside_any_request_to_the_page_budget(acme, simulator, settings):
    """Called from no request (a command, a script), the page budget it opens bounds the wait."""
    settings.PHONEDASH_UPSTREAM_BUDGET = 1.0
    key = answers.cache_key(acme, "list", repr(sorted(ALL.upstream().items())))
    answers.cache.add(f"{key}:lock", "a slow holder", 30)
    started = time.monotonic()
    with page_budget(), pytest.raises(Unavailable):
        services.list_calls(acme, ALL)
    assert time.monotonic() - started < 1.4
    assert phoneinc.request_time_left() is None
    assert upstream(simulator) == 0


def test_it_opens_no_budget_of_its_own(acme, simulator, settings):
    """The page's budget is opened once, around the request (or the command's work)."""
    seen = answers.cached(acme, "list", "budget", phoneinc.request_time_left)
    assert seen.value is None
    with page_budget():
        seen = answers.cached(acme, "list", "budget, inside", phoneinc.request_time_left)
    assert 0 < seen.value <= settings.PHONEDASH_UPSTREAM_BUDGET


def test_it_never_extends_a_budget_already_open(settings):
    settings.PHONEDASH_UPSTREAM_BUDGET = 10
    with phoneinc.request_deadline(1.0) as outer, page_budget() as inner:
        assert inner == outer
    with page_budget() as outer, phoneinc.request_deadline(30) as inner:
        assert inner == outer


# --- Stale on error --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ({"status": 503}, Unavailable),
        ({"status": 500}, Unavailable),
        ({"malformed": "json"}, phoneinc.BadAnswer),
        ({"status": 429, "retry_after": 60}, RateLimited),
    ],
)
def test_it_serves_a_stale_answer_when_phone_inc_fails(
    acme, simulator, fresh_for, clock, fault, error
):
    good = services.list_calls(acme, ALL)
    clock.advance(120)
    simulator.set_fault(**fault)
    answer = services.list_calls(acme, ALL)
    assert answer.is_stale and answer.from_cache
    assert isinstance(answer.stale_because, error)
    assert answer.age_seconds == 120
    assert [c.id for c in answer.value] == [c.id for c in good.value]


def test_it_serves_a_stale_call_when_phone_inc_fails(acme, simulator, fresh_for, clock):
    services.get_call(acme, EXAMPLE_ID)
    clock.advance(60)
    simulator.set_fault(status=503)
    answer = services.get_call(acme, EXAMPLE_ID)
    assert answer.is_stale and answer.value.id == EXAMPLE_ID


def test_it_goes_back_to_fresh_answers_once_phone_inc_recovers(acme, simulator, fresh_for, clock):
    services.list_calls(acme, ALL)
    clock.advance(60)
    simulator.set_fault(status=500, count=1)
    assert services.list_calls(acme, ALL).is_stale
    clock.advance(answers.PROBE_SECONDS)  # the breaker's next look at Phone.inc
    answer = services.list_calls(acme, ALL)
    assert not answer.is_stale and not answer.from_cache


def test_it_does_not_serve_an_answer_older_than_the_stale_window(acme, simulator, fresh_for, clock):
    services.list_calls(acme, ALL)
    clock.advance(15 + 600 + 1)
    simulator.set_fault(status=503)
    with pytest.raises(Unavailable):
        services.list_calls(acme, ALL)


def test_it_does_not_hide_a_refused_key_behind_a_stale_answer(acme, simulator, fresh_for, clock):
    services.list_calls(acme, ALL)
    clock.advance(60)
    simulator.set_fault(status=401)
    with pytest.raises(InvalidKey):
        services.list_calls(acme, ALL)


def test_it_does_not_hide_a_deleted_call_behind_a_stale_answer(acme, simulator, fresh_for, clock):
    services.get_call(acme, EXAMPLE_ID)
    clock.advance(60)
    simulator.set_fault(status=404)
    with pytest.raises(NotFound):
        services.get_call(acme, EXAMPLE_ID)


def test_it_raises_when_there_is_nothing_stale_to_show(acme, simulator, fresh_for):
    simulator.set_fault(status=503)
    with pytest.raises(Unavailable):
        services.list_calls(acme, ALL)


# --- Circuit breaker --------------------------------------------------------------------------


def timed_view(work) -> tuple[object, float]:
    started = time.monotonic()
    result = work()
    return result, time.monotonic() - started


def test_it_shows_the_stale_answer_at_once_while_phone_inc_is_failing(
    acme, simulator, fresh_for, clock
):
    """The first page after an outage starts waits for Phone.inc; the next ones do not."""
    services.list_calls(acme, ALL)
    clock.advance(60)
    simulator.set_fault(status=500, delay=0.5)
    first, first_took = timed_view(lambda: services.list_calls(acme, ALL))
    assert first.is_stale and first_took >= 0.5
    assert upstream(simulator) == 2

    for _ in range(5):
        clock.advance(0.5)  # all five within PROBE_SECONDS of the failure
        answer, took = timed_view(lambda: services.list_calls(acme, ALL))
        assert answer.is_stale and answer.from_cache and took < 0.2
        assert isinstance(answer.stale_because, Unavailable)
        assert answer.age_seconds >= 60
    assert upstream(simulator) == 2  # no upstream request for any of them


def test_it_lets_one_request_ask_again_every_few_seconds(acme, simulator, fresh_for, clock):
    services.list_calls(acme, ALL)
    clock.advance(60)
    simulator.set_fault(status=500)
    assert services.list_calls(acme, ALL).is_stale
    assert upstream(simulator) == 2

    clock.advance(answers.PROBE_SECONDS)
    assert services.list_calls(acme, ALL).is_stale  # asked, still failing: open afresh
    assert services.list_calls(acme, ALL).is_stale  # not asked
    assert upstream(simulator) == 3

    simulator.clear_faults()
    clock.advance(answers.PROBE_SECONDS)
    recovered = services.list_calls(acme, ALL)
    assert not recovered.is_stale and not recovered.from_cache
    assert services.list_calls(acme, ALL).from_cache
    assert upstream(simulator) == 4


def test_it_lets_only_one_of_many_ask_while_the_others_show_the_old_answer(
    acme, simulator, fresh_for, clock
):
    services.list_calls(acme, ALL)
    clock.advance(60)
    simulator.set_fault(status=500)
    services.list_calls(acme, ALL)
    clock.advance(answers.PROBE_SECONDS)
    simulator.set_fault(status=500, delay=1.0)

    results = run_together(8, lambda i: timed_view(lambda: services.list_calls(acme, ALL)))
    assert all(answer.is_stale for answer, _ in results), results
    times = sorted(took for _, took in results)
    assert times[-1] >= 1.0 and times[-2] < 0.5  # one asked; seven did not wait for it
    assert upstream(simulator) == 3


def test_it_asks_as_usual_once_the_failure_is_old(acme, simulator, fresh_for, clock):
    services.list_calls(acme, ALL)
    clock.advance(60)
    simulator.set_fault(status=500)
    services.list_calls(acme, ALL)
    clock.advance(answers.FAILURE_NOTICE_SECONDS)
    assert services.list_calls(acme, ALL).is_stale
    assert upstream(simulator) == 3


def test_it_asks_every_time_with_no_old_answer_to_show(acme, simulator, fresh_for):
    simulator.set_fault(status=500)
    for _ in range(3):
        with pytest.raises(Unavailable):
            services.list_calls(acme, ALL)
    assert upstream(simulator) == 3


def test_it_never_holds_a_missing_call_against_later_pages(acme, simulator, fresh_for, clock):
    services.get_call(acme, EXAMPLE_ID)
    clock.advance(60)
    simulator.set_fault(status=404, count=1)
    with pytest.raises(NotFound):
        services.get_call(acme, EXAMPLE_ID)
    assert not services.get_call(acme, EXAMPLE_ID).is_stale  # asked again, and there it is
    assert upstream(simulator) == 3


# --- Cooldown after 429 ----------------------------------------------------------------------


def test_it_waits_out_retry_after_before_asking_again(acme, globex, simulator, fresh_for, clock):
    simulator.set_fault(status=429, retry_after=30, count=1)
    with pytest.raises(RateLimited) as caught:
        services.list_calls(acme, ALL)
    assert caught.value.retry_after == 30
    clock.advance(10)
    for call in [
        lambda: services.list_calls(acme, CallQuery(direction="inbound")),
        lambda: services.get_call(acme, EXAMPLE_ID),
        lambda: services.get_call_fresh(acme, EXAMPLE_ID),
    ]:
        with pytest.raises(RateLimited) as caught:
            call()
        assert 19 <= caught.value.retry_after <= 20
    assert upstream(simulator) == 1
    services.list_calls(globex, ALL)  # another company is not held back
    assert upstream(simulator) == 2
    clock.advance(21)
    assert len(services.list_calls(acme, ALL).value) == 10
    assert upstream(simulator) == 3


def test_it_starts_a_cooldown_from_a_recording_request(acme, simulator, fresh_for):
    simulator.set_fault(status=429, retry_after=30, count=1)
    with pytest.raises(RateLimited):
        services.get_call_fresh(acme, EXAMPLE_ID)
    with pytest.raises(RateLimited):
        services.list_calls(acme, ALL)
    assert upstream(simulator) == 1


def test_it_still_serves_fresh_answers_during_a_cooldown(acme, simulator, fresh_for):
    services.list_calls(acme, ALL)
    simulator.set_fault(status=429, retry_after=30, count=1)
    with pytest.raises(RateLimited):
        services.list_calls(acme, CallQuery(limit=25))
    assert services.list_calls(acme, ALL).from_cache
    assert upstream(simulator) == 2


# --- A broken cache --------------------------------------------------------------------------


class BrokenCache:
    """A cache whose server is down: every operation raises; `calls` counts those tried."""

    def __init__(self) -> None:
        self.calls = 0

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            self.calls += 1
            raise ConnectionError("cache server unreachable")

        return fail


def test_it_goes_straight_to_phone_inc_when_the_cache_is_down(
    acme, simulator, fresh_for, monkeypatch, caplog
):
    broken = BrokenCache()
    monkeypatch.setattr(answers, "cache", broken)
    with caplog.at_level(logging.WARNING, logger="phonedash.services"):
        first = services.list_calls(acme, ALL)
        second = services.get_call(acme, EXAMPLE_ID)
    assert len(first.value) == 10 and second.value.id == EXAMPLE_ID
    assert upstream(simulator) == 2
    # One failed operation, then the cache is left alone: a hung one costs one timeout.
    assert broken.calls == 1
    assert caplog.messages == [
        "cache unavailable (get): ConnectionError; skipping the cache for 5s"
    ]
    assert lookups.found()[-1] == "unavailable"


def test_it_tries_the_cache_again_after_a_few_seconds(acme, monkeypatch):
    broken = BrokenCache()
    monkeypatch.setattr(answers, "cache", broken)
    now = [time.monotonic()]
    monkeypatch.setattr(shared_cache, "time", types.SimpleNamespace(monotonic=lambda: now[0]))
    answers.shared.get("k")
    now[0] += shared_cache.SKIP_SECONDS - 0.1
    answers.shared.get("k")
    assert broken.calls == 1
    now[0] += 0.2
    answers.shared.get("k")
    assert broken.calls == 2


def test_it_still_reports_errors_when_the_cache_is_down(acme, simulator, monkeypatch):
    monkeypatch.setattr(answers, "cache", BrokenCache())
    simulator.set_fault(status=503)
    with pytest.raises(Unavailable) as caught:
        services.list_calls(acme, ALL)
    assert "Phone.inc" in caught.value.title  # Phone.inc was asked, and it is what failed


def test_it_degrades_each_cache_operation_alike(monkeypatch, caplog):
    monkeypatch.setattr(answers, "cache", BrokenCache())
    shared = answers.shared
    operations = {
        "get": lambda: shared.get("k") is None,
        "add": lambda: shared.add("k", 1, 5) is True,  # as if the lock were taken
        "set": lambda: shared.set("k", 1, 5) is None,
        "delete": lambda: shared.delete("k") is None,
        "count": lambda: shared.count("k", 5) is None,  # nothing counted: no limit applies
        "index": lambda: shared.keep_newest("i", "k", 3, 5) == 0,
    }
    with caplog.at_level(logging.WARNING, logger="phonedash.services"):
        for degrades in operations.values():
            shared.reset()
            assert degrades()
    assert [message.split(";")[0] for message in caplog.messages] == [
        f"cache unavailable ({op}): ConnectionError" for op in operations
    ]


# --- Peeks (the navigation's count): never upstream, and a miss remembered for a second --------


class Monotonic:
    def __init__(self) -> None:
        self.now = time.monotonic()

    def __call__(self) -> float:
        return self.now


def test_a_peek_sees_at_once_what_this_worker_fetched(acme, simulator, fresh_for):
    assert peek(acme, ALL) is None
    listed = services.list_calls(acme, ALL)
    seen = peek(acme, ALL)
    assert seen is not None and seen.value == listed.value
    assert upstream(simulator) == 1


def test_a_page_about_to_fetch_anew_leaves_the_stale_answer_pickled(
    acme, simulator, fresh_for, clock, monkeypatch
):
    services.list_calls(acme, ALL)
    clock.advance(16)  # stale: the next page fetches
    opened: list[bytes] = []
    unpickling = types.SimpleNamespace(
        dumps=pickle.dumps,
        HIGHEST_PROTOCOL=pickle.HIGHEST_PROTOCOL,
        loads=lambda payload: opened.append(payload) or pickle.loads(payload),
    )
    monkeypatch.setattr(answers, "pickle", unpickling)
    answer = services.list_calls(acme, ALL)
    assert not answer.from_cache and upstream(simulator) == 2
    assert opened == [], "the old answer was never needed"
    simulator.set_fault(status=503)
    clock.advance(16)
    shown = services.list_calls(acme, ALL)
    assert shown.is_stale and shown.value == answer.value, "a failed fetch still shows it"
