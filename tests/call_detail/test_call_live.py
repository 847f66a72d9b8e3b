"""A live call's page updates itself: fast polling while live, slower while the summary and
transcript are on their way, none once they are there (or once waiting has become pointless).

The simulator walks a live call through its states on its own clock (`timeline`: answered
after 14 s, ended after 76 s, summary at 86 s, transcript at 96 s); `sim.advance` moves it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from calls.call_detail import views
from calls.phoneinc import Call
from tests.conftest import ACME_KEY

POLL = {"HX-Request": "true", "HX-Target": "call"}


@pytest.fixture
def simulator(fresh_simulator):
    return fresh_simulator


@pytest.fixture
def uncached(settings):
    """Every poll sees Phone.inc as it is now (as it would once the cache entry expires)."""
    settings.PHONEDASH_CACHE_SECONDS = 0


def trigger(page: str) -> str | None:
    """The polling trigger on the #call element, or None when it does not poll."""
    match = re.search(r'<div id="call"[^>]*>', page)
    assert match, "no #call element"
    found = re.search(r'hx-trigger="([^"]*)"', match.group(0))
    return found.group(1) if found else None


def poll(client, call_id: str) -> str:
    response = client.get(f"/calls/{call_id}/", headers=POLL)
    assert response.status_code == 200
    return response.content.decode()


def test_it_polls_every_two_seconds_while_live(alice_client, simulator):
    call = simulator.add_live_call(ACME_KEY)
    page = alice_client.get(f"/calls/{call['id']}/").content.decode()

    assert trigger(page) == "every 2s"
    assert f'hx-get="/calls/{call["id"]}/"' in page
    assert 'hx-target="this" hx-swap="outerHTML"' in page
    assert "Live for" in page
    assert "badge-ringing" in page  # just started: initiated


def test_it_answers_the_poll_with_the_call_fragment_only(alice_client, simulator):
    call = simulator.add_live_call(ACME_KEY)
    page = poll(alice_client, call["id"])

    assert page.lstrip().startswith('<div id="call"')
    assert page.rstrip().endswith("</div>")
    assert "<html" not in page and "site-header" not in page and "Other calls" not in page
    assert trigger(page) == "every 2s"


@pytest.mark.parametrize(
    "fault",
    [{"status": 500}, {"status": 429, "retry_after": 60}, {"malformed": "json"}],
    ids=["unavailable", "rate-limited", "unreadable"],
)
def test_it_keeps_the_call_on_screen_when_a_poll_fails(alice_client, simulator, settings, fault):
    """htmx does not swap a 204: the page keeps the call as last shown, and keeps polling
    (a page-level error swapped into #call would have replaced the call and stopped both)."""
    settings.PHONEDASH_CACHE_SECONDS = settings.PHONEDASH_STALE_SECONDS = 0  # nothing to show
    call = simulator.add_live_call(ACME_KEY)
    assert trigger(alice_client.get(f"/calls/{call['id']}/").content.decode()) == "every 2s"
    simulator.set_fault(**fault)

    response = alice_client.get(f"/calls/{call['id']}/", headers=POLL)
    assert response.status_code == 204 and response.content == b""
    assert alice_client.get(f"/calls/{call['id']}/").status_code in (429, 502, 503)  # says why

    simulator.clear_faults()
    if "retry_after" in fault:
        return  # the company's cooldown holds further requests back for a minute
    assert trigger(poll(alice_client, call["id"])) == "every 2s"


def test_it_says_so_and_stops_polling_when_the_call_is_gone(alice_client, simulator, settings):
    """Not a passing failure: polling on would ask Phone.inc the same every 2 s."""
    settings.PHONEDASH_CACHE_SECONDS = 0
    call = simulator.add_live_call(ACME_KEY)
    simulator.set_fault(status=404)

    response = alice_client.get(f"/calls/{call['id']}/", headers=POLL)
    assert response.status_code == 404
    page = response.content.decode()
    assert "Call not found" in page and "hx-trigger" not in page


def test_it_polls_through_the_cache(alice_client, simulator):
    call = simulator.add_live_call(ACME_KEY)
    simulator.reset_stats()
    for _ in range(3):
        poll(alice_client, call["id"])

    assert simulator.request_count(f"/api/v1/calls/{call['id']}") == 1


def test_it_follows_a_call_until_it_ends_and_its_summary_and_transcript_arrive(
    alice_client, simulator, uncached
):
    call = simulator.add_live_call(ACME_KEY)
    call_id = call["id"]
    page = alice_client.get(f"/calls/{call_id}/").content.decode()
    assert trigger(page) == "every 2s"

    simulator.advance(20)  # answered, talking
    page = poll(alice_client, call_id)
    assert trigger(page) == "every 2s"
    assert '<span class="badge badge-active">In conversation</span>' in page
    assert "so far" in page
    assert "appear here once the call has ended" in page

    simulator.advance(60)  # 80 s: ended, summary and transcript still to come
    page = poll(alice_client, call_id)
    assert '<span class="badge badge-done">Ended</span>' in page
    assert trigger(page) == "every 10s"
    assert "Waiting for the summary and transcript" in page
    assert "Summary pending" in page and "Not transcribed yet" in page
    assert "<audio" in page  # the recording is there as soon as the call has ended
    assert "1:02" in page  # duration: 76 s from the start, answered at 14 s

    simulator.advance(8)  # 88 s: the summary, not yet the transcript
    page = poll(alice_client, call_id)
    assert trigger(page) == "every 10s"
    assert "Waiting for the transcript" in page
    assert "Summary pending" not in page

    simulator.advance(10)  # 98 s: everything is there; polling stops
    page = poll(alice_client, call_id)
    assert trigger(page) is None
    assert "hx-get" not in re.search(r'<div id="call"[^>]*>', page).group(0)
    assert "Waiting for" not in page
    assert '<ol class="turns">' in page


def test_it_keeps_the_search_and_the_player_across_polls(alice_client, simulator, uncached):
    call = simulator.add_live_call(ACME_KEY, summary=None)  # a summary that never comes
    simulator.advance(100)
    page = alice_client.get(f"/calls/{call['id']}/").content.decode()

    assert trigger(page) == "every 10s"
    assert 'hx-include="#transcript-q"' in page  # the poll carries the search box's query
    assert re.search(r'<audio id="recording-player" hx-preserve="true"', page)
    response = alice_client.get(f"/calls/{call['id']}/", {"q": "the"}, headers=POLL)
    assert "<mark>" in response.content.decode()


def test_it_stops_waiting_after_a_few_minutes_without_a_summary(
    alice_client, simulator, uncached, monkeypatch
):
    call = simulator.add_live_call(ACME_KEY, summary=None)
    simulator.advance(100)  # ended, transcript there, the summary never comes
    assert trigger(poll(alice_client, call["id"])) == "every 10s"

    later = views.clock() + views.PENDING_POLL_WINDOW + 1
    monkeypatch.setattr(views, "clock", lambda: later)
    page = poll(alice_client, call["id"])

    assert trigger(page) is None
    assert "No summary: Phone.inc did not write one for this call." in page


def test_it_never_polls_for_a_call_that_ended_long_ago(alice_client, simulator):
    call = simulator.add_call(
        ACME_KEY, started_at=datetime.now(UTC) - timedelta(hours=2), summary=None
    )
    page = alice_client.get(f"/calls/{call['id']}/").content.decode()

    assert trigger(page) is None
    assert "Waiting for" not in page


# poll_seconds itself, on our clock and Phone.inc's


NOW = datetime(2026, 5, 11, 15, 0, tzinfo=UTC).timestamp()


def ended_call(ended_seconds_ago: float, **fields) -> Call:
    answered = datetime.fromtimestamp(NOW - ended_seconds_ago - 60, UTC)
    values = {
        "id": "c1",
        "from_number": "+14085550199",
        "to_number": "+14155551234",
        "direction": "inbound",
        "state": "ended",
        "started_at": answered - timedelta(seconds=5),
        "answered_at": answered,
        "duration": 60,
        **fields,
    }
    return Call(**values)


def never_asked() -> float:
    raise AssertionError("waiting_since should not be needed")


@pytest.mark.parametrize("state", ["initiated", "bridged", "parked"])
def test_poll_seconds_is_fast_while_live(state):
    call = ended_call(0, state=state, duration=None)
    assert views.poll_seconds(call, NOW, never_asked) == views.LIVE_POLL_SECONDS


def test_poll_seconds_stops_once_summary_and_transcript_are_there():
    call = ended_call(5, summary="Done.", transcription="Hello.")
    assert views.poll_seconds(call, NOW, never_asked) is None


def test_poll_seconds_waits_slowly_just_after_the_end():
    call = ended_call(5, summary="Done.")
    assert views.poll_seconds(call, NOW, lambda: NOW) == views.PENDING_POLL_SECONDS


def test_poll_seconds_gives_up_once_the_call_ended_long_ago():
    call = ended_call(views.PENDING_POLL_WINDOW + 1)
    assert views.poll_seconds(call, NOW, never_asked) is None


def test_poll_seconds_bounds_waiting_when_phone_incs_clock_runs_ahead():
    """The call seems to end an hour in our future: wait, but not for longer than the window."""
    call = ended_call(-3600)
    assert views.poll_seconds(call, NOW, lambda: NOW - 10) == views.PENDING_POLL_SECONDS
    waited = NOW - views.PENDING_POLL_WINDOW
    assert views.poll_seconds(call, NOW, lambda: waited) is None


def test_poll_seconds_bounds_waiting_for_a_call_without_times():
    call = ended_call(0, started_at=None, answered_at=None, duration=None)
    assert views.poll_seconds(call, NOW, lambda: NOW) == views.PENDING_POLL_SECONDS
    waited = NOW - views.PENDING_POLL_WINDOW
    assert views.poll_seconds(call, NOW, lambda: waited) is None
