"""The Phone.inc client against the served simulator, over real HTTP.

test_phoneinc.py fakes HTTP at the seam; these tests prove the same behaviour on the wire:
real sockets, real timeouts, real Retry-After waits (kept short).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from calls.phoneinc import (
    BadAnswer,
    InvalidKey,
    NotFound,
    PhoneIncClient,
    RateLimited,
    Unavailable,
)
from tests.conftest import ACME_KEY, GLOBEX_KEY

EXAMPLE_ID = "0193f4ba-1234-7c00-9e3d-2b2b8a7f1c11"
STATES = {"initiated", "answered", "playing_audio", "transferring", "recording", "bridged", "ended"}


def client(server, key: str = ACME_KEY, **kwargs) -> PhoneIncClient:
    return PhoneIncClient(key, base_url=server.url, **kwargs)


@pytest.fixture
def acme_api(simulator, simulator_server) -> PhoneIncClient:
    return client(simulator_server)


def test_it_finds_and_parses_the_vendor_doc_example(acme_api):
    calls = acme_api.list_calls(phone_number="+14085550199", limit=50)
    assert EXAMPLE_ID in [call.id for call in calls]

    call = acme_api.get_call(EXAMPLE_ID)
    assert call.from_number == "+14085550199"
    assert call.to_number == "+14155551234"
    assert call.direction == "inbound"
    assert call.state == "ended"
    assert call.started_at == datetime(2026, 5, 11, 14, 2, 11, tzinfo=UTC)
    assert call.answered_at == datetime(2026, 5, 11, 14, 2, 14, tzinfo=UTC)
    assert call.duration == 187
    assert call.summary == "Customer asked about the status of order #1042."
    assert call.transcription == "Hello, I'm calling about order 1042..."
    assert [(s.speaker, s.employee_id) for s in call.segments] == [
        ("Caller", None),
        ("Alex Wong", "0193f4b0-aaaa-7c00-9e3d-2b2b8a7f1c20"),
    ]
    assert call.main_number_name == "Sales"
    assert call.main_number_formatted == "+1 415-555-1234"
    assert [e.name for e in call.employees] == ["Alex Wong"]
    assert call.initiated_by is None
    assert not call.is_missed and not call.is_withheld
    # The recording link is minted per request by the simulator, on its own host.
    assert call.recording_url.startswith(acme_api.base_url.removesuffix("/api/v1"))


def test_it_lists_ten_calls_newest_first_by_default(acme_api, simulator):
    calls = acme_api.list_calls()
    assert len(calls) == 10
    started = [c.started_at for c in calls if c.started_at is not None]
    assert started == sorted(started, reverse=True)
    assert simulator.requests[-1].query == {}


@pytest.mark.parametrize("limit", [1, 25, 50])
def test_it_gets_as_many_calls_as_asked(acme_api, limit):
    assert len(acme_api.list_calls(limit=limit)) == limit


@pytest.mark.parametrize("direction", ["inbound", "outbound"])
def test_it_filters_by_direction(acme_api, direction):
    calls = acme_api.list_calls(direction=direction, limit=50)
    assert calls
    assert {call.direction for call in calls} == {direction}


@pytest.mark.parametrize("state", ["ended", "bridged", "initiated"])
def test_it_filters_by_state(acme_api, state):
    calls = acme_api.list_calls(state=state, limit=50)
    assert calls
    assert {call.state for call in calls} == {state}


def test_it_filters_by_remote_number(acme_api):
    calls = acme_api.list_calls(phone_number="+14085550199", limit=50)
    assert len(calls) > 1
    assert {call.remote_number for call in calls} == {"+14085550199"}


def test_it_combines_filters(acme_api):
    calls = acme_api.list_calls(phone_number="+14085550199", direction="outbound", limit=50)
    assert calls
    assert all(c.direction == "outbound" and c.to_number == "+14085550199" for c in calls)


def pristine_acme(settings) -> PhoneIncClient:
    """Acme on a simulator of the test's own: its seed, untouched by calls other tests add."""
    return PhoneIncClient(ACME_KEY, base_url=settings.PHONE_INC_API_URL)


def test_it_keeps_an_undocumented_state(fresh_simulator, settings):
    states = {call.state for call in pristine_acme(settings).list_calls(limit=50)}
    assert "parked" in states  # seeded on purpose: Phone.inc may add states
    assert STATES & states


def test_it_reads_withheld_callers(fresh_simulator, settings):
    acme_api = pristine_acme(settings)
    calls = acme_api.list_calls(limit=50, state="ended")
    more = acme_api.list_calls(limit=50, direction="inbound")
    withheld = [c for c in [*calls, *more] if c.is_withheld]
    assert withheld
    assert {c.remote_number for c in withheld} <= {"anonymous", "restricted", ""}


def test_it_sends_only_given_parameters(acme_api, simulator):
    acme_api.list_calls(state="ended", limit=25)
    assert simulator.requests[-1].query == {"state": "ended", "limit": "25"}
    assert simulator.requests[-1].company == "Acme Corp"


def test_it_says_not_found_for_another_companys_call(simulator_server, simulator):
    globex_call = client(simulator_server, GLOBEX_KEY).list_calls(limit=1)[0]
    acme_api = client(simulator_server, ACME_KEY)
    with pytest.raises(NotFound):
        acme_api.get_call(globex_call.id)
    assert globex_call.id not in {c.id for c in acme_api.list_calls(limit=50)}


def test_it_says_not_found_for_an_unknown_call(acme_api):
    with pytest.raises(NotFound) as caught:
        acme_api.get_call("0193f4ba-0000-7c00-9e3d-000000000000")
    assert caught.value.status == 404


def test_it_gives_an_unknown_key_as_invalid(simulator, simulator_server):
    with pytest.raises(InvalidKey) as caught:
        client(simulator_server, "sim_nobody_0000000000000000").list_calls()
    assert "sim_nobody" not in caught.value.message
    assert simulator.request_count("/api/") == 1  # never retried


@pytest.mark.parametrize("status", [401, 403])
def test_it_gives_a_refused_key_as_invalid(acme_api, simulator, status):
    simulator.set_fault(status=status)
    with pytest.raises(InvalidKey):
        acme_api.list_calls()
    assert simulator.request_count("/api/") == 1


@pytest.mark.parametrize("status", [502, 503, 504])
def test_it_retries_gateway_errors_then_succeeds(acme_api, simulator, status):
    simulator.set_fault(status=status, count=2)
    assert len(acme_api.list_calls()) == 10
    assert simulator.request_count("/api/") == 3


@pytest.mark.parametrize("status", [502, 503, 504])
def test_it_gives_up_on_gateway_errors_after_two_retries(acme_api, simulator, status):
    simulator.set_fault(status=status)
    with pytest.raises(Unavailable) as caught:
        acme_api.list_calls()
    assert caught.value.upstream_status == status
    assert simulator.request_count("/api/") == 3


def test_it_does_not_retry_a_500(acme_api, simulator):
    simulator.set_fault(status=500, count=1)
    with pytest.raises(Unavailable):
        acme_api.list_calls()
    assert simulator.request_count("/api/") == 1
    assert len(acme_api.list_calls()) == 10  # the fault was for one request only


def test_it_waits_out_a_short_retry_after(acme_api, simulator):
    simulator.set_fault(status=429, count=1, retry_after=1)
    started = time.monotonic()
    assert len(acme_api.list_calls()) == 10
    assert time.monotonic() - started >= 0.95
    assert simulator.request_count("/api/") == 2


def test_it_hands_a_long_retry_after_to_the_user(acme_api, simulator):
    simulator.set_fault(status=429, count=1, retry_after=120)
    started = time.monotonic()
    with pytest.raises(RateLimited) as caught:
        acme_api.list_calls()
    assert time.monotonic() - started < 1
    assert caught.value.retry_after == 120
    assert caught.value.status == 429
    assert "2 minutes" in caught.value.message
    assert simulator.request_count("/api/") == 1


def test_it_gives_up_on_a_slow_answer_within_the_budget(simulator_server, simulator):
    simulator.set_fault(delay=3)
    api = client(simulator_server, timeout=0.5, total_timeout=1.5)
    started = time.monotonic()
    with pytest.raises(Unavailable) as caught:
        api.list_calls()
    elapsed = time.monotonic() - started
    assert elapsed < 1.5 + 0.3
    assert "too long" in caught.value.message
    assert 2 <= simulator.request_count("/api/") <= 3  # retried while time was left


def test_it_takes_an_answer_that_is_slow_but_in_time(simulator_server, simulator):
    simulator.delay = 0.3
    assert len(client(simulator_server, timeout=1, total_timeout=2).list_calls()) == 10


@pytest.mark.parametrize("malformed", ["json", "shape"])
def test_it_reports_an_unreadable_list(acme_api, simulator, malformed):
    simulator.set_fault(malformed=malformed)
    with pytest.raises(BadAnswer) as caught:
        acme_api.list_calls()
    assert caught.value.status == 502
    assert simulator.request_count("/api/") == 1  # no point asking again


@pytest.mark.parametrize("malformed", ["json", "shape"])
def test_it_reports_an_unreadable_call(acme_api, simulator, malformed):
    simulator.set_fault(malformed=malformed)
    with pytest.raises(BadAnswer):
        acme_api.get_call(EXAMPLE_ID)


def test_it_reports_an_html_page_as_unreadable(acme_api, simulator):
    simulator.set_fault(status=200, malformed="html")
    with pytest.raises(BadAnswer) as caught:
        acme_api.list_calls()
    assert "<html" not in caught.value.message


def test_it_reports_a_proxy_error_page_as_unavailable(acme_api, simulator):
    # The simulator's default HTML fault is a proxy's 502 page: Phone.inc is not answering.
    simulator.set_fault(malformed="html")
    with pytest.raises(Unavailable) as caught:
        acme_api.list_calls()
    assert "<html" not in caught.value.message and "nginx" not in caught.value.message
    assert simulator.request_count("/api/") == 3


def test_it_applies_a_fault_only_to_its_paths(acme_api, simulator):
    simulator.set_fault(status=503, paths=[f"/calls/{EXAMPLE_ID}"])
    assert len(acme_api.list_calls()) == 10
    with pytest.raises(Unavailable):
        acme_api.get_call(EXAMPLE_ID)
