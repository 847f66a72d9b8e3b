"""The Phone.inc simulator, over real HTTP: vendor behaviour, recordings, live calls, switches.

One simulator (frozen clock, fixed start) serves the whole module, so the file stays fast;
tests that move the clock only assert relative to `sim.now()`.
"""

from __future__ import annotations

import io
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import wave
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from django.core.management import CommandError, call_command

from calls.simulator import OMIT, SEED_COMPANIES, Simulator
from tests import phoneinc_examples as examples

ACME, GLOBEX, INITECH = SEED_COMPANIES
START = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
STATES = ("initiated", "answered", "playing_audio", "transferring", "recording", "bridged", "ended")
# What the simulator sends of every call: every documented field but initiated_by (outbound).
FIELDS = examples.FIELDS[:-1]
# The "List recent calls" example of the vendor doc, copied here independently of the seed.
VENDOR_EXAMPLE = {
    "id": "0193f4ba-1234-7c00-9e3d-2b2b8a7f1c11",
    "from": "+14085550199",
    "to": "+14155551234",
    "direction": "inbound",
    "state": "ended",
    "started_at": "2026-05-11T14:02:11Z",
    "answered_at": "2026-05-11T14:02:14Z",
    "duration": 187,
    "summary": "Customer asked about the status of order #1042.",
    "transcription": "Hello, I'm calling about order 1042...",
    "transcription_segments": [
        {"speaker": "Caller", "text": "Hello, I'm calling about order 1042.", "employee_id": None},
        {
            "speaker": "Alex Wong",
            "text": "Sure, let me look that up for you.",
            "employee_id": "0193f4b0-aaaa-7c00-9e3d-2b2b8a7f1c20",
        },
    ],
    "main_number_id": "0193f4a9-7c34-7c00-9e3d-2b2b8a7f1c01",
    "main_number_name": "Sales",
    "main_number": "+14155551234",
    "main_number_formatted": "+1 415-555-1234",
    "employees": [{"id": "0193f4b0-aaaa-7c00-9e3d-2b2b8a7f1c20", "name": "Alex Wong"}],
}
EXAMPLE_ID = VENDOR_EXAMPLE["id"]


@pytest.fixture(scope="module")
def sim():
    return Simulator(start=START, frozen=True)


@pytest.fixture(scope="module")
def server(sim):
    handle = sim.serve()
    yield handle
    handle.stop()


@pytest.fixture(scope="module")
def http():
    with requests.Session() as session:
        yield session


@pytest.fixture(autouse=True)
def switches_off(sim):
    yield
    sim.clear_faults()
    sim.delay = 0


def calls(http, server, key=ACME.api_key, **params):
    response = http.get(f"{server.url}/calls", headers={"X-Api-Key": key}, params=params)
    assert response.status_code == 200, response.text
    return response.json()["calls"]


def one(http, server, call_id, key=ACME.api_key):
    return http.get(f"{server.url}/calls/{call_id}", headers={"X-Api-Key": key})


def ids(found):
    """Calls compared by id: recording URLs differ on every request, by design."""
    return [call["id"] for call in found]


def remote(call):
    return call["to"] if call["direction"] == "outbound" else call["from"]


# Auth and routes ---------------------------------------------------------------------------


def test_it_requires_an_api_key(http, server):
    response = http.get(f"{server.url}/calls")
    assert response.status_code == 401
    assert "error" in response.json()


def test_it_rejects_an_unknown_api_key(http, server):
    response = http.get(f"{server.url}/calls", headers={"X-Api-Key": "sim_nobody"})
    assert response.status_code == 401
    assert response.json() == {"error": "Invalid API key"}


def test_it_answers_only_get(http, server):
    response = http.post(f"{server.url}/calls", headers={"X-Api-Key": ACME.api_key})
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET"


def test_it_answers_404_json_for_unknown_paths(http, server):
    response = http.get(f"{server.url}/numbers", headers={"X-Api-Key": ACME.api_key})
    assert response.status_code == 404
    assert response.json() == {"error": "Not found"}


# Listing -----------------------------------------------------------------------------------


def test_it_lists_ten_calls_by_default_and_caps_the_limit_at_50(http, server):
    assert len(calls(http, server)) == 10
    assert len(calls(http, server, limit=3)) == 3
    assert len(calls(http, server, limit=50)) == 50
    assert len(calls(http, server, limit=500)) == 50
    assert len(calls(http, server, limit="")) == 10


def test_it_rejects_a_limit_that_is_not_a_positive_integer(http, server):
    for limit in ("abc", "2.5", "0", "-3"):
        response = http.get(
            f"{server.url}/calls", headers={"X-Api-Key": ACME.api_key}, params={"limit": limit}
        )
        assert response.status_code == 400, limit
        assert "limit" in response.json()["error"]


def test_it_lists_newest_first_with_unstarted_calls_on_top(http, server):
    acme = calls(http, server, limit=50)
    started = [call["started_at"] for call in acme]
    assert started == sorted(started, reverse=True)
    globex = calls(http, server, GLOBEX.api_key, limit=50)
    assert globex[0]["started_at"] is None
    rest = [call["started_at"] for call in globex[1:]]
    assert None not in rest
    assert rest == sorted(rest, reverse=True)


def test_it_gives_every_documented_field(http, server):
    for call in calls(http, server, limit=50):
        assert list(call)[: len(FIELDS)] == list(FIELDS)
        assert ("initiated_by" in call) == (call["direction"] == "outbound")
        for stamp in (call["started_at"], call["answered_at"]):
            assert stamp is None or re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp)


def test_it_gives_an_empty_account_an_empty_list(http, server):
    assert calls(http, server, INITECH.api_key) == []


def test_it_filters_by_direction_and_ignores_unknown_directions(http, server):
    inbound = calls(http, server, direction="inbound", limit=50)
    outbound = calls(http, server, direction="outbound", limit=50)
    assert inbound and {call["direction"] for call in inbound} == {"inbound"}
    assert outbound and {call["direction"] for call in outbound} == {"outbound"}
    assert ids(calls(http, server, direction="sideways")) == ids(calls(http, server))


def test_it_filters_by_every_state_and_ignores_unknown_states(http, server):
    for state in STATES:
        found = calls(http, server, state=state)
        assert found, state
        assert {call["state"] for call in found} == {state}
    assert ids(calls(http, server, state="parked")) == ids(calls(http, server))


def test_it_filters_by_phone_number_on_the_remote_side(http, server):
    found = calls(http, server, phone_number="+14085550199", limit=50)
    assert len(found) >= 3
    assert {remote(call) for call in found} == {"+14085550199"}
    assert {call["direction"] for call in found} == {"inbound", "outbound"}
    # The main number is never the remote side.
    assert calls(http, server, phone_number="+14155551234") == []


def test_it_combines_filters(http, server):
    found = calls(
        http, server, phone_number="+14085550199", direction="inbound", state="ended", limit=50
    )
    assert found
    for call in found:
        assert (call["direction"], call["state"], call["from"]) == (
            "inbound",
            "ended",
            "+14085550199",
        )
    everything = calls(http, server, phone_number="+14085550199", limit=50)
    expected = [c for c in everything if c["direction"] == "inbound" and c["state"] == "ended"]
    assert ids(found) == ids(expected)


def test_it_matches_local_formats_of_a_number(http, server):
    e164 = [call["id"] for call in calls(http, server, phone_number="+14085550199", limit=50)]
    for local in ("(408) 555-0199", "408.555.0199", "1 408 555 0199", "555-0199"):
        found = calls(http, server, phone_number=local, limit=50)
        assert [call["id"] for call in found] == e164, local
    uk = calls(http, server, phone_number="020 7946 0958", limit=50)
    assert uk and {remote(call) for call in uk} == {"+442079460958"}
    assert calls(http, server, phone_number="0199") == []  # too few digits to mean anything
    assert calls(http, server, phone_number="+4085550199") == []  # E.164 must match exactly


# One call ----------------------------------------------------------------------------------


def test_it_returns_one_call_by_id(http, server):
    listed = calls(http, server, state="ended")[0]
    response = one(http, server, listed["id"])
    assert response.status_code == 200
    fetched = response.json()
    assert {**fetched, "recording_url": None} == {**listed, "recording_url": None}


def test_it_hides_other_companies_calls(http, server):
    assert one(http, server, EXAMPLE_ID).status_code == 200
    response = one(http, server, EXAMPLE_ID, key=GLOBEX.api_key)
    assert response.status_code == 404
    assert response.json() == {"error": "Call not found"}
    assert one(http, server, "0193f4ba-0000-7c00-9e3d-000000000000").status_code == 404


def test_it_includes_the_vendor_example_verbatim(http, server):
    call = one(http, server, EXAMPLE_ID).json()
    assert call.pop("recording_url").startswith(f"{server.root}/recordings/")
    expected = {name: value for name, value in VENDOR_EXAMPLE.items() if name != "recording_url"}
    assert call == expected


# Seeded data -------------------------------------------------------------------------------


def test_it_seeds_the_cases_a_dashboard_must_render(sim, server):
    acme = sim.calls_for(ACME.api_key, server.root)
    assert 150 <= len(acme) <= 200
    ended = [call for call in acme if call["state"] == "ended"]
    missed = [call for call in ended if call["answered_at"] is None]
    assert 0.1 <= len(missed) / len(acme) <= 0.2
    assert all(call["transcription"] is None and call["duration"] in (0, None) for call in missed)
    remotes = {remote(call) for call in acme}
    assert {"anonymous", "restricted"} <= remotes
    for prefix in ("+44", "+49", "+33", "+81", "+55", "+91", "+61"):
        assert any(number.startswith(prefix) for number in remotes), prefix
    assert {call["state"] for call in acme} >= {*STATES, "parked"}
    assert any("sentiment" in call for call in acme)  # a field the doc does not list
    assert any(len(call["transcription_segments"] or []) >= 300 for call in acme)
    assert any(call["transcription"] and call["transcription_segments"] is None for call in ended)
    answered = [call for call in ended if call["answered_at"]]
    assert any(call["summary"] is None and call["transcription"] is None for call in answered)
    assert any(call["recording_url"] is None for call in answered)  # recording disabled
    segments = next(call for call in answered if call["transcription_segments"])
    employee_ids = {employee["id"] for employee in segments["employees"]}
    for segment in segments["transcription_segments"]:
        if segment["speaker"] == "Caller":
            assert segment["employee_id"] is None
        else:
            assert segment["employee_id"] in employee_ids
    assert 30 <= len(sim.calls_for(GLOBEX.api_key, server.root)) <= 60


def test_it_seeds_the_same_calls_every_time():
    first = Simulator(start=START, frozen=True).calls_for(ACME.api_key, "http://x")
    again = Simulator(start=START, frozen=True).calls_for(ACME.api_key, "http://x")
    strip = [{**call, "recording_url": None} for call in first]
    assert strip == [{**call, "recording_url": None} for call in again]


# Recordings --------------------------------------------------------------------------------


def test_it_mints_a_fresh_recording_url_per_request(http, server):
    first = one(http, server, EXAMPLE_ID).json()["recording_url"]
    second = one(http, server, EXAMPLE_ID).json()["recording_url"]
    assert first and second and first != second
    assert first.startswith(f"{server.root}/recordings/") and first.endswith("/recording.wav")


def test_it_serves_the_recording_as_wav(http, server):
    url = one(http, server, EXAMPLE_ID).json()["recording_url"]
    response = http.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "audio/wav"
    assert response.headers["Accept-Ranges"] == "bytes"
    assert int(response.headers["Content-Length"]) == len(response.content)
    with wave.open(io.BytesIO(response.content)) as audio:
        assert audio.getnchannels() == 1
        assert audio.getsampwidth() == 2
        assert audio.getframerate() in (8000, 16000)
        assert audio.getnframes() / audio.getframerate() == 20  # a 187 s call, capped at 20 s


def test_it_makes_short_recordings_at_least_two_seconds(sim, http, server):
    call = sim.add_call(ACME.api_key, duration=1)
    url = one(http, server, call["id"]).json()["recording_url"]
    with wave.open(io.BytesIO(http.get(url).content)) as audio:
        assert audio.getnframes() / audio.getframerate() == 2


def test_it_serves_byte_ranges_of_a_recording(http, server):
    url = one(http, server, EXAMPLE_ID).json()["recording_url"]
    whole = http.get(url).content
    size = len(whole)
    part = http.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 100-199/{size}"
    assert part.content == whole[100:200]
    tail = http.get(url, headers={"Range": "bytes=-10"})
    assert (tail.status_code, tail.content) == (206, whole[-10:])
    rest = http.get(url, headers={"Range": f"bytes={size - 5}-"})
    assert (rest.status_code, rest.content) == (206, whole[-5:])
    beyond = http.get(url, headers={"Range": f"bytes={size}-"})
    assert beyond.status_code == 416
    assert beyond.headers["Content-Range"] == f"bytes */{size}"


def test_it_expires_recording_urls(sim, http, server):
    url = one(http, server, EXAMPLE_ID).json()["recording_url"]
    assert http.head(url).status_code == 200
    sim.advance(sim.recording_ttl + 1)
    assert http.get(url).status_code == 410
    assert http.get(url.replace("/recordings/", "/recordings/x")).status_code == 403
    fresh = one(http, server, EXAMPLE_ID).json()["recording_url"]
    assert http.get(fresh).status_code == 200


def test_it_has_no_recording_until_a_call_ends(http, server):
    for call in calls(http, server, limit=50):
        if call["state"] != "ended":
            assert call["recording_url"] is None


# Live calls --------------------------------------------------------------------------------


def test_it_moves_a_live_call_through_its_states(sim, http, server):
    call_id = sim.add_live_call(ACME.api_key, **{"from": "+61291234567"})["id"]
    seen = []
    for step in (0, 5, 6, 4, 2, 60, 10, 10):
        sim.advance(step)
        call = one(http, server, call_id).json()
        seen.append(call["state"])
        if call["state"] in ("initiated", "playing_audio", "transferring"):
            assert call["answered_at"] is None and call["employees"] == []
        if call["state"] != "ended":
            assert call["duration"] is None and call["recording_url"] is None
    assert seen == [
        "initiated",
        "playing_audio",
        "transferring",
        "answered",
        "bridged",
        "ended",
        "ended",
        "ended",
    ]
    assert call["duration"] == 62 and call["recording_url"]
    assert call["summary"] and call["transcription"] and call["transcription_segments"]
    assert call["from"] == "+61291234567"


def test_it_shows_summary_then_transcript_after_a_live_call_ends(sim, http, server):
    call_id = sim.add_live_call(ACME.api_key)["id"]
    sim.advance(80)
    ended = one(http, server, call_id).json()
    assert (ended["state"], ended["summary"], ended["transcription"]) == ("ended", None, None)
    sim.advance(10)
    summarised = one(http, server, call_id).json()
    assert summarised["summary"] and summarised["transcription"] is None
    sim.advance(10)
    assert one(http, server, call_id).json()["transcription_segments"]


def test_it_starts_a_new_live_call_every_three_minutes():
    busy = Simulator(start=START, frozen=True)
    with busy.serve() as handle, requests.Session() as http:
        first = calls(http, handle)
        assert first[0]["started_at"] == "2026-11-20T15:30:00Z"
        assert first[0]["state"] == "initiated"
        busy.advance(25)
        assert calls(http, handle)[0]["started_at"] == "2026-11-20T15:30:20Z"
        busy.advance(155)
        newest = calls(http, handle)[0]
        assert (newest["started_at"], newest["state"]) == ("2026-11-20T15:33:00Z", "initiated")
        assert one(http, handle, newest["id"]).status_code == 200


# Added calls -------------------------------------------------------------------------------


def test_it_serves_added_calls_with_whatever_they_hold(sim, http, server):
    hostile = "<script>alert(1)</script> \u202e\u0000"
    added = sim.add_call(
        ACME.api_key,
        from_="anonymous",
        state="on_hold",
        summary=hostile,
        duration=None,
        main_number_name=OMIT,
        transcription_segments=[
            {"speaker": "Caller", "text": f"line {n}", "employee_id": None} for n in range(2000)
        ],
        mood="grumpy",
    )
    call = one(http, server, added["id"]).json()
    assert call["from"] == "anonymous"
    assert call["state"] == "on_hold"
    assert call["summary"] == hostile
    assert "main_number_name" not in call
    assert call["mood"] == "grumpy"
    assert len(call["transcription_segments"]) == 2000
    assert call["recording_url"] is None  # not ended


def test_it_keeps_added_calls_to_their_company(sim, http, server):
    added = sim.add_call(GLOBEX.api_key, started_at=sim.now() - timedelta(minutes=1))
    assert one(http, server, added["id"], key=GLOBEX.api_key).status_code == 200
    assert one(http, server, added["id"]).status_code == 404
    with pytest.raises(ValueError):
        sim.add_call("sim_nobody")


def test_it_gives_outbound_calls_the_employee_who_placed_them(sim):
    call = sim.add_call(ACME.api_key, direction="outbound")
    assert call["initiated_by"]["name"]
    assert call["from"] == call["main_number"]


# Failure switches --------------------------------------------------------------------------


def test_it_fails_with_the_status_it_is_told_for_count_requests(sim, http, server):
    for status in (500, 502, 503, 504, 401, 403):
        sim.set_fault(status=status, count=1)
        response = http.get(f"{server.url}/calls", headers={"X-Api-Key": ACME.api_key})
        assert response.status_code == status
        assert response.json()["error"]
        assert calls(http, server)  # the fault cleared itself


def test_it_keeps_a_fault_until_cleared(sim, http, server):
    sim.set_fault(status=503)
    for _ in range(3):
        assert one(http, server, EXAMPLE_ID).status_code == 503
    sim.clear_faults()
    assert one(http, server, EXAMPLE_ID).status_code == 200


def test_it_sends_retry_after_when_rate_limiting(sim, http, server):
    sim.set_fault(status=429, retry_after=7, count=2)
    for _ in range(2):
        response = one(http, server, EXAMPLE_ID)
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "7"
    assert one(http, server, EXAMPLE_ID).status_code == 200


def test_it_answers_slowly_when_told(sim, http, server):
    sim.set_fault(delay=0.3, count=1)
    began = time.monotonic()
    assert one(http, server, EXAMPLE_ID).status_code == 200
    assert time.monotonic() - began >= 0.3
    sim.delay = 0.2
    began = time.monotonic()
    assert calls(http, server)
    assert time.monotonic() - began >= 0.2
    sim.delay = 0
    sim.set_fault(status=504, delay=0.5, count=1)
    with pytest.raises(requests.ReadTimeout):
        requests.get(f"{server.url}/calls", headers={"X-Api-Key": ACME.api_key}, timeout=0.1)


def test_it_answers_non_json_with_a_json_content_type(sim, http, server):
    sim.set_fault(malformed="json", count=1)
    response = one(http, server, EXAMPLE_ID)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    with pytest.raises(ValueError):
        response.json()


def test_it_answers_json_of_the_wrong_shape(sim, http, server):
    sim.set_fault(malformed="shape", count=2)
    listed = http.get(f"{server.url}/calls", headers={"X-Api-Key": ACME.api_key})
    assert (listed.status_code, listed.json()) == (200, {"calls": {"oops": 1}})
    assert isinstance(one(http, server, EXAMPLE_ID).json(), list)


def test_it_answers_an_html_error_page_like_a_proxy(sim, http, server):
    sim.set_fault(malformed="html", count=1)
    response = one(http, server, EXAMPLE_ID)
    assert response.status_code == 502
    assert response.headers["Content-Type"] == "text/html"
    assert "<html>" in response.text


def test_it_faults_only_the_paths_it_is_told(sim, http, server):
    sim.set_fault(status=503, paths=["/api/v1/calls/"])
    assert calls(http, server)
    assert one(http, server, EXAMPLE_ID).status_code == 503
    sim.set_fault(status=503, paths="/calls/")  # relative to the API base works too
    assert one(http, server, EXAMPLE_ID).status_code == 503


def test_it_never_faults_recordings_or_control_routes(sim, http, server):
    url = one(http, server, EXAMPLE_ID).json()["recording_url"]
    sim.set_fault(status=500)
    sim.delay = 0
    assert http.get(url).status_code == 200
    assert http.get(f"{server.root}/_sim/stats").status_code == 200


def test_it_refuses_nonsense_switches(sim):
    for bad in ({"malformed": "xml"}, {"status": 99}, {"count": 0}, {"delay": -1}):
        with pytest.raises(ValueError):
            sim.set_fault(**bad)
    with pytest.raises(ValueError):
        sim.delay = -1


# Control routes and stats ------------------------------------------------------------------


def test_it_flips_switches_over_http(sim, http, server):
    control = f"{server.root}/_sim"
    answer = http.post(f"{control}/faults", json={"status": 429, "retry_after": 3, "count": 1})
    assert answer.status_code == 200 and answer.json()["fault"]["status"] == 429
    response = one(http, server, EXAMPLE_ID)
    assert (response.status_code, response.headers["Retry-After"]) == (429, "3")
    http.post(f"{control}/faults", json={"status": 500})
    assert http.delete(f"{control}/faults").json() == {"fault": None}
    assert one(http, server, EXAMPLE_ID).status_code == 200
    assert http.post(f"{control}/faults", json={"colour": "red"}).status_code == 400
    assert http.post(f"{control}/faults", data="not json").status_code == 400
    assert http.post(f"{control}/delay", json={"delay": 0.05}).json() == {"delay": 0.05}
    assert sim.delay == 0.05
    before = sim.now()
    moved = http.post(f"{control}/clock", json={"advance": 60}).json()
    assert moved["now"] == (before + timedelta(seconds=60)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_it_adds_calls_over_http(http, server):
    response = http.post(
        f"{server.root}/_sim/calls",
        json={"api_key": INITECH.api_key, "fields": {"from": "+15125559921", "sentiment": "ok"}},
    )
    assert response.status_code == 201
    assert one(http, server, response.json()["id"], key=INITECH.api_key).status_code == 200


def test_it_counts_requests(sim, http, server):
    sim.reset_stats()
    calls(http, server, GLOBEX.api_key, direction="inbound")
    calls(http, server)
    one(http, server, EXAMPLE_ID)
    http.get(f"{server.url}/calls")
    assert sim.request_count() == 4
    assert sim.request_count("/api/v1/calls/") == 1
    first, second, third, fourth = sim.requests
    assert (first.method, first.path, first.query) == (
        "GET",
        "/api/v1/calls",
        {"direction": "inbound"},
    )
    assert (first.company, second.company, fourth.company) == ("Globex", "Acme Corp", None)
    assert ACME.api_key not in repr(sim.requests)
    stats = http.get(f"{server.root}/_sim/stats").json()
    assert stats["requests"] == 4
    assert stats["by_path"] == {"/api/v1/calls": 3, f"/api/v1/calls/{EXAMPLE_ID}": 1}
    assert http.post(f"{server.root}/_sim/reset-stats").json()["requests"] == 0
    assert sim.request_count() == 0


def test_it_counts_concurrent_requests_exactly(sim, server):
    sim.reset_stats()

    def fetch():
        requests.get(f"{server.url}/calls", headers={"X-Api-Key": ACME.api_key}, timeout=5)

    threads = [threading.Thread(target=fetch) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sim.request_count("/api/v1/calls") == 20


# The management command --------------------------------------------------------------------


def test_it_refuses_a_port_out_of_range():
    with pytest.raises(CommandError, match="--port"):
        call_command("simulator", port=70000)


def test_it_refuses_a_port_in_use():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(CommandError, match="Cannot listen"):
            call_command("simulator", port=taken.getsockname()[1])


def test_it_runs_in_the_foreground_until_interrupted():
    project = Path(__file__).resolve().parents[2]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "manage.py", "simulator", "--port", "0"],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = process.stdout.readline()
        url = re.search(r"http://\S+/api/v1", first).group(0)
        keys = [process.stdout.readline() for _ in SEED_COMPANIES]
        assert all(
            company.api_key in line for company, line in zip(SEED_COMPANIES, keys, strict=True)
        )
        response = requests.get(f"{url}/calls", headers={"X-Api-Key": ACME.api_key}, timeout=5)
        assert response.status_code == 200
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=10)
        assert process.returncode == 0
        assert "stopped" in out
    finally:
        process.kill()
