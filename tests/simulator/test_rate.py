"""The simulator's stream of new calls and its rate switch (`set_rate`, `/_sim/rate`).

Every test has a simulator of its own (frozen clock, fixed start), since each changes the
pace; counts are of calls that were not there before, so the seed never muddles them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests

from calls.simulator import SEED_COMPANIES, Simulator, core
from calls.simulator.clock import iso
from calls.simulator.companies import PROFILES

ACME, GLOBEX, INITECH = SEED_COMPANIES
START = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
ROOT = "http://sim.test"
# Every state a new call passes through, in the only order it can pass through them.
ORDER = ("initiated", "playing_audio", "transferring", "recording", "answered", "bridged", "ended")


@pytest.fixture
def sim():
    """A simulator past its seeded live calls (the last starts 20 s in), so that every call
    from here on comes from the stream."""
    simulator = Simulator(start=START, frozen=True)
    simulator.advance(30)
    return simulator


@pytest.fixture
def served(sim):
    with sim.serve(port=0) as handle, requests.Session() as http:
        yield handle, http


def ids(sim: Simulator, key: str = ACME.api_key) -> set[str]:
    return {call["id"] for call in sim.calls_for(key, ROOT)}


def new_calls(sim: Simulator, before: set[str], key: str = ACME.api_key) -> list[dict]:
    """The calls the account shows now that it did not show `before`, newest first."""
    return [call for call in sim.calls_for(key, ROOT) if call["id"] not in before]


def listed(handle, http, key: str = ACME.api_key, **params) -> list[dict]:
    response = http.get(f"{handle.url}/calls", headers={"X-Api-Key": key}, params=params)
    assert response.status_code == 200, response.text
    return response.json()["calls"]


def remote(call: dict) -> str:
    return call["to"] if call["direction"] == "outbound" else call["from"]


def without_links(calls: list[dict]) -> list[dict]:
    """Calls compared whole but for recording URLs, which differ on every request by design."""
    return [{**call, "recording_url": None} for call in calls]


# The pace -----------------------------------------------------------------------------------


def test_it_starts_that_many_calls_a_minute_once_set(sim):
    before = ids(sim)
    sim.set_rate(60)
    assert sim.rate == 60
    sim.advance(60)
    assert len(new_calls(sim, before)) == 60
    sim.advance(30)
    assert len(new_calls(sim, before)) == 90
    sim.set_rate(7.5)
    sim.advance(120)
    assert len(new_calls(sim, before)) == 105


def test_it_spaces_the_calls_evenly_from_the_moment_it_is_set(sim):
    before = ids(sim)
    set_at = sim.now()
    sim.set_rate(20)
    sim.advance(60)
    starts = sorted(call["started_at"] for call in new_calls(sim, before))
    assert starts == [iso(set_at + timedelta(seconds=3 * n)) for n in range(1, 21)]


def test_it_keeps_the_seeded_pace_until_switched(sim):
    assert sim.rate == pytest.approx(1 / 3)
    assert sim.rates() == {ACME.name: pytest.approx(1 / 3), GLOBEX.name: 0, INITECH.name: 0}
    before = ids(sim)
    sim.advance(150)  # 15:33:00, the seeded stream's first call, not read yet
    sim.set_rate(0)  # the call due before the switch is made all the same
    sim.advance(600)
    assert [call["started_at"] for call in new_calls(sim, before)] == ["2026-11-20T15:33:00Z"]


def test_it_stops_new_calls_at_zero(sim):
    sim.set_rate(120)
    sim.advance(30)
    before = ids(sim)
    sim.set_rate(0)
    assert sim.rate == 0
    sim.advance(3600)
    assert new_calls(sim, before) == []


def test_it_sets_one_companys_pace_and_leaves_the_others_alone(sim):
    before = {company.api_key: ids(sim, company.api_key) for company in SEED_COMPANIES}
    sim.set_rate(6, api_key=INITECH.api_key)  # an empty account, with no stream of its own
    sim.set_rate(12, api_key=GLOBEX.api_key)
    assert sim.rates() == {ACME.name: pytest.approx(1 / 3), GLOBEX.name: 12, INITECH.name: 6}
    assert sim.rate_for(INITECH.api_key) == 6
    sim.advance(300)
    counts = {key: len(new_calls(sim, seen, key)) for key, seen in before.items()}
    # Acme keeps its seeded pace: one call in those five minutes, at 15:33:00.
    assert counts == {INITECH.api_key: 30, GLOBEX.api_key: 60, ACME.api_key: 1}
    sim.set_rate(0)  # without a key: the companies with a seeded stream, Acme alone
    assert sim.rates() == {ACME.name: 0, GLOBEX.name: 12, INITECH.name: 6}
    with pytest.raises(ValueError, match="API key"):
        sim.set_rate(5, api_key="sim_nobody")


def test_it_refuses_a_pace_that_is_not_a_number_from_0_to_6000(sim):
    for bad in (-1, 6000.5, float("nan"), float("inf"), "10", None, True):
        with pytest.raises(ValueError, match="per_minute must be a number"):
            sim.set_rate(bad)  # type: ignore[arg-type]
    assert sim.rate == pytest.approx(1 / 3)
    sim.set_rate(6000)
    assert sim.rate == 6000


def test_it_puts_more_than_50_calls_between_two_passes_at_600_a_minute(sim):
    sim.set_rate(600)
    sim.advance(30)
    first = sim.calls_for(ACME.api_key, ROOT, limit=50)
    before = ids(sim)
    sim.advance(15)
    assert len(new_calls(sim, before)) == 150
    second = sim.calls_for(ACME.api_key, ROOT, limit=50)
    # A pass 15 s later sees none of the calls the one before saw: a gap.
    assert not {call["id"] for call in first} & {call["id"] for call in second}
    assert min(call["started_at"] for call in second) > max(c["started_at"] for c in first)


def test_it_keeps_only_the_newest_calls_of_a_fast_stream(sim, monkeypatch):
    monkeypatch.setattr(core, "STREAM_KEPT", 100)
    before = ids(sim)
    sim.set_rate(600)
    sim.advance(60)
    assert len(new_calls(sim, before)) == 100
    sim.advance(60)
    kept = new_calls(sim, before)
    assert len(kept) == 100
    assert min(call["started_at"] for call in kept) >= iso(sim.now() - timedelta(seconds=10))


# Over HTTP ----------------------------------------------------------------------------------


def test_it_sets_and_reads_the_pace_over_http(sim, served):
    handle, http = served
    answer = http.get(f"{handle.root}/_sim/rate").json()
    assert answer["per_minute"] == pytest.approx(1 / 3)
    assert answer["companies"] == {
        ACME.name: pytest.approx(1 / 3),
        GLOBEX.name: 0,
        INITECH.name: 0,
    }
    set_at = iso(sim.now())
    response = http.post(f"{handle.root}/_sim/rate", json={"per_minute": 30})
    assert response.status_code == 200
    assert response.json()["per_minute"] == 30
    assert response.json()["companies"][ACME.name] == 30
    http.post(f"{handle.root}/_sim/clock", json={"advance": 60})
    started = [call for call in listed(handle, http, limit=50) if call["started_at"] > set_at]
    assert len(started) == 30
    assert http.get(f"{handle.root}/_sim/rate").json()["per_minute"] == 30
    assert "/_sim/rate" in http.get(f"{handle.root}/").json()["control"]


def test_it_sets_one_companys_pace_over_http(sim, served):
    handle, http = served
    response = http.post(
        f"{handle.root}/_sim/rate", json={"per_minute": 10, "api_key": INITECH.api_key}
    )
    assert response.status_code == 200
    assert response.json()["per_minute"] == 10
    assert response.json()["companies"] == {
        ACME.name: pytest.approx(1 / 3),
        GLOBEX.name: 0,
        INITECH.name: 10,
    }
    http.post(f"{handle.root}/_sim/clock", json={"advance": 60})
    assert len(listed(handle, http, INITECH.api_key, limit=50)) == 10


def test_it_answers_a_bad_pace_with_a_400_and_changes_nothing(sim, served):
    handle, http = served
    url = f"{handle.root}/_sim/rate"
    before = ids(sim)
    bad_bodies = [
        {"per_minute": -1},
        {"per_minute": 6001},
        {"per_minute": "600"},
        {"per_minute": None},
        {"per_minute": True},
        {},
        {"per_minute": 600, "api_key": "sim_nobody"},
        {"per_minute": 600, "api_key": 42},
        {"per_minute": 600, "company": "Acme Corp"},
    ]
    for body in bad_bodies:
        response = http.post(url, json=body)
        assert response.status_code == 400, body
        assert response.json()["error"], body
    for raw in ('{"per_minute": NaN}', '{"per_minute": Infinity}', "not json", "[600]"):
        response = http.post(url, data=raw, headers={"Content-Type": "application/json"})
        assert response.status_code == 400, raw
    assert "per_minute must be a number" in http.post(url, json={"per_minute": -1}).json()["error"]
    assert http.delete(url).status_code == 405
    assert sim.rates() == {ACME.name: pytest.approx(1 / 3), GLOBEX.name: 0, INITECH.name: 0}
    sim.advance(60)
    assert new_calls(sim, before) == []


# The calls it makes -------------------------------------------------------------------------


def walk(sim: Simulator, call_ids: set[str], seconds: int, step: int) -> dict[str, list[dict]]:
    """Each call as shown every `step` seconds for `seconds`, with the moment it was seen."""
    seen: dict[str, list[dict]] = {call_id: [] for call_id in call_ids}
    for _ in range(seconds // step):
        moment = sim.now()
        for call in sim.calls_for(ACME.api_key, ROOT):
            if call["id"] in seen:
                seen[call["id"]].append({**call, "seen_at": moment})
        sim.advance(step)
    return seen


def test_it_moves_new_calls_through_their_states(sim):
    before = ids(sim)
    sim.set_rate(60)
    sim.advance(60)
    sim.set_rate(0)
    fresh = {call["id"] for call in new_calls(sim, before)}
    history = walk(sim, fresh, seconds=20 * 60, step=5)
    kinds = set()
    for views in history.values():
        states = [view["state"] for view in views]
        assert states == sorted(states, key=ORDER.index), states
        last = views[-1]
        assert last["state"] == "ended"
        answered = last["answered_at"] is not None
        kinds.add((last["direction"], answered, "recording" in states))
        for view in views:
            ended = view["state"] == "ended"
            assert view["answered_at"] in (None, last["answered_at"])
            if view["state"] in ("answered", "bridged"):
                assert view["answered_at"] is not None
            if not ended:
                assert view["duration"] is None and view["recording_url"] is None
            if view["answered_at"] is None and last["direction"] == "inbound":
                assert view["employees"] == []
        if answered:
            assert last["employees"] and last["summary"] and last["transcription"]
            assert last["recording_url"]
            first_ended = next(view for view in views if view["state"] == "ended")
            summarised = next(view["seen_at"] for view in views if view["summary"])
            transcribed = next(view["seen_at"] for view in views if view["transcription"])
            assert first_ended["summary"] is None and first_ended["transcription"] is None
            ended_at = first_ended["seen_at"]
            assert ended_at < summarised <= transcribed <= ended_at + timedelta(minutes=1)
        if last["direction"] == "outbound":
            assert last["initiated_by"] and last["from"] == last["main_number"]
            assert all(view["employees"] for view in views)
        elif not answered:
            assert last["transcription"] is None and last["recording_url"] is None
            assert last["employees"] == [] and last["duration"] in (0, None)
    assert {
        ("inbound", True, False),  # answered
        ("inbound", False, False),  # missed: the caller hung up
        ("inbound", False, True),  # missed: the caller left a voicemail
        ("outbound", True, False),
    } <= kinds


def test_it_makes_calls_as_varied_as_a_real_lines(sim):
    before = ids(sim)
    sim.set_rate(60)
    sim.advance(3600)
    sim.set_rate(0)
    sim.advance(20 * 60)  # every call has ended, its summary and transcript in
    calls = sorted(new_calls(sim, before), key=lambda call: call["started_at"])
    assert len(calls) == 3600
    inbound = [call for call in calls if call["direction"] == "inbound"]
    outbound = [call for call in calls if call["direction"] == "outbound"]
    missed = [call for call in inbound if call["answered_at"] is None]
    assert 0.6 <= len(inbound) / len(calls) <= 0.85
    assert 0.1 <= len(missed) / len(inbound) <= 0.3
    assert any(call["answered_at"] is None for call in outbound)  # nobody picked up
    assert {call["summary"] is None for call in missed} == {True, False}
    profile = PROFILES[ACME.api_key]
    assert {remote(call) for call in calls} <= {*profile.regulars, *profile.others, "anonymous"}
    assert {call["main_number"] for call in calls} == {n.number for n in profile.main_numbers}
    names = {employee["name"] for call in calls for employee in call["employees"]}
    assert names == {employee["name"] for employee in profile.employees}
    assert len({call["duration"] for call in calls}) > 100
    assert len({call["summary"] for call in calls}) > 1000
    # Missed callers are called back: an answered outbound call to their number follows.
    missed_ids = {call["id"] for call in missed}
    waiting: set[str] = set()
    called_back = 0
    for call in calls:
        number = remote(call)
        if call["id"] in missed_ids and number != "anonymous":
            waiting.add(number)
        elif call["answered_at"] and number in waiting:
            called_back += call["direction"] == "outbound"
            waiting.discard(number)
    assert called_back > 50


def test_it_makes_the_same_calls_in_two_simulators():
    switches = [(45, 120, None), (40, 600, GLOBEX.api_key), (20, 30, None), (90, 30, None)]

    def run(read_between: bool) -> list[list[dict]]:
        simulator = Simulator(start=START, frozen=True)
        for seconds, per_minute, api_key in switches:
            simulator.advance(seconds)
            if read_between:
                simulator.calls_for(ACME.api_key, ROOT, limit=1)
            simulator.set_rate(per_minute, api_key)
        return [
            without_links(simulator.calls_for(company.api_key, ROOT)) for company in (ACME, GLOBEX)
        ]

    first = run(read_between=False)
    assert first == run(read_between=False)
    assert first == run(read_between=True)  # when the calls are made does not change them
    assert len(first[1]) > 200
