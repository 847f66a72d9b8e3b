"""One call in Chromium: open it from the list, search its transcript, play it, watch it live."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.conftest import screenshot
from tests.conftest import ACME_KEY

pytestmark = pytest.mark.browser

ALEX = {"id": "0193f4b0-aaaa-7c00-9e3d-2b2b8a7f1c20", "name": "Alex Wong"}
SEGMENTS = [
    {"speaker": "Alex Wong", "text": "Acme sales, Alex speaking.", "employee_id": ALEX["id"]},
    {"speaker": "Caller", "text": "Hi, I'd like a refund for my last order.", "employee_id": None},
    {"speaker": "Alex Wong", "text": "A refund, sure. Which order?", "employee_id": ALEX["id"]},
    {"speaker": "Caller", "text": "Order 4411. The Refund form didn't work.", "employee_id": None},
    {"speaker": "Alex Wong", "text": "Done. Anything else?", "employee_id": ALEX["id"]},
]


@pytest.fixture
def refund_call(dashboard) -> dict:
    """An ended, recorded call with a transcript that says "refund" three times."""
    return dashboard.sim.add_call(
        ACME_KEY,
        from_="+14085550199",
        direction="inbound",
        duration=95,
        employees=[ALEX],
        summary="The caller asked for a refund of order 4411; Alex processed it.",
        transcription=" ".join(segment["text"] for segment in SEGMENTS),
        transcription_segments=SEGMENTS,
    )


def test_it_opens_a_call_from_the_list(page, refund_call, signed_in):
    page.goto(f"{signed_in.url}/calls/")
    with page.expect_navigation():
        page.locator(f"a[href='/calls/{refund_call['id']}/']").click()
    assert urlsplit(page.url).path == f"/calls/{refund_call['id']}/"
    assert page.get_by_role("heading", level=1).inner_text().endswith("(408) 555-0199")
    assert "refund of order 4411" in page.locator(".summary").inner_text()
    speakers = page.locator(".turns .turn-speaker").all_inner_texts()
    assert speakers == ["Alex Wong", "Caller", "Alex Wong", "Caller", "Alex Wong"]
    assert page.locator(".turns .turn-employee").count() == 3
    screenshot(page, "detail")


def test_it_loads_other_calls_with_the_number_after_the_page(page, signed_in, refund_call):
    page.goto(f"{signed_in.url}/calls/{refund_call['id']}/")
    page.wait_for_selector("#related .related-calls li")

    related = page.locator("#related")
    assert related.count() == 1
    assert related.get_attribute("hx-trigger") is None  # swapped for the list, asked once
    links = related.locator(".related-calls a").evaluate_all("els => els.map(a => a.pathname)")
    assert links and f"/calls/{refund_call['id']}/" not in links
    assert related.get_by_role("link", name="All calls with this number").count() == 1


def test_it_highlights_transcript_matches_as_you_type(page, signed_in, refund_call):
    page.goto(f"{signed_in.url}/calls/{refund_call['id']}/")
    page.evaluate("window.__marker = 1")
    assert page.locator("#transcript mark").count() == 0

    page.get_by_role("searchbox", name="Search the transcript").press_sequentially(
        "refund", delay=20
    )
    page.wait_for_function("() => document.querySelectorAll('#transcript mark').length === 3")

    marks = page.locator("#transcript mark").all_inner_texts()
    assert [mark.lower() for mark in marks] == ["refund"] * 3
    assert "Refund" in marks  # matched case-insensitively, shown as written
    assert page.locator("#transcript .match-count").inner_text() == "3 matches for “refund”"
    assert page.evaluate("window.__marker") == 1, "the page reloaded instead of swapping"
    assert parse_qs(urlsplit(page.url).query)["q"] == ["refund"]
    # Turns without a match recede; the matching ones stay in full view.
    assert page.locator(".turns .turn-dim").count() == 2


def test_it_keeps_the_transcript_when_a_search_fails(page, signed_in, refund_call, settings):
    settings.PHONEDASH_CACHE_SECONDS = settings.PHONEDASH_STALE_SECONDS = 0  # ask every time
    page.goto(f"{signed_in.url}/calls/{refund_call['id']}/")
    signed_in.sim.set_fault(status=404, paths=[f"/api/v1/calls/{refund_call['id']}"])
    page.get_by_role("searchbox", name="Search the transcript").fill("refund")

    notice = page.locator("#transcript #transcript-notice .alert")
    notice.wait_for()
    assert "The search could not run just now." in notice.inner_text()
    assert page.locator(".turns .turn").count() == 5  # the transcript is still there
    assert page.locator("#call h1").count() == 1
    assert "q=" not in page.url  # the address still names what is shown

    signed_in.sim.clear_faults()
    page.get_by_role("searchbox", name="Search the transcript").fill("order")
    page.wait_for_function("() => document.querySelectorAll('#transcript mark').length === 3")
    assert page.locator("#transcript-notice .alert").count() == 0


def test_it_plays_the_recording(page, signed_in, refund_call):
    responses = []
    page.on("response", lambda response: responses.append((response.status, response.url)))
    page.goto(f"{signed_in.url}/calls/{refund_call['id']}/")
    audio = page.locator("audio")
    assert audio.get_attribute("src") == f"/calls/{refund_call['id']}/recording/"

    outcome = audio.evaluate(
        "a => a.play().then(() => 'playing', error => error.name + ': ' + error.message)"
    )
    assert outcome == "playing", outcome
    page.wait_for_function(
        "() => { const a = document.querySelector('audio');"
        " return a.error !== null || (a.readyState >= 1 && a.duration > 0 && a.currentTime > 0); }"
    )
    state = audio.evaluate(
        "a => ({error: a.error && a.error.code, duration: a.duration, ready: a.readyState})"
    )
    assert state["error"] is None, state
    assert 2 <= state["duration"] <= 20  # the simulator's WAV: the call's length, within 2..20 s
    assert (302, f"{signed_in.url}/calls/{refund_call['id']}/recording/") in responses
    assert any(
        status in (200, 206) and url.startswith(signed_in.simulator_root + "/")
        for status, url in responses
    ), responses


def test_it_follows_a_live_call_and_stops_polling_once_it_has_ended(page, signed_in, settings):
    assert settings.PHONEDASH_CACHE_SECONDS == 15  # a live call is fresher than that
    sim = signed_in.sim
    call = sim.add_live_call(ACME_KEY, direction="inbound")
    detail = f"{signed_in.url}/calls/{call['id']}/"
    polls = []
    page.on(
        "request",
        lambda request: (
            polls.append(time.monotonic())
            if request.url.startswith(detail) and request.headers.get("hx-request")
            else None
        ),
    )

    page.goto(detail)
    badge = page.locator(".call-badges .badge").first
    assert badge.inner_text() == "Ringing"
    assert page.locator("#call").get_attribute("hx-trigger") == "every 2s"

    sim.advance(20)  # answered, and talking
    page.wait_for_function(
        "() => document.querySelector('.call-badges .badge').textContent === 'In conversation'"
    )
    assert polls, "the page did not poll"

    sim.advance(100)  # ended; the summary and the transcript are written
    page.wait_for_function(
        "() => document.querySelector('.call-badges .badge').textContent === 'Ended'"
        " && document.querySelectorAll('.turns .turn').length > 0"
    )
    assert page.locator(".summary p").inner_text() != ""
    assert page.locator("#call").get_attribute("hx-trigger") is None
    assert page.locator("audio").count() == 1

    ended_polls = len(polls)
    page.wait_for_timeout(4500)  # more than two polling periods
    assert len(polls) == ended_polls, "the page kept polling after the call ended"


def test_it_keeps_a_live_call_on_screen_while_polls_fail(page, signed_in, settings):
    # No old answer to show instead, so the polls fail.
    settings.PHONEDASH_CACHE_SECONDS = settings.PHONEDASH_STALE_SECONDS = 0
    sim = signed_in.sim
    call = sim.add_live_call(ACME_KEY, direction="inbound")
    detail = f"{signed_in.url}/calls/{call['id']}/"
    failed = []
    page.on("response", lambda r: failed.append(r) if r.status == 204 else None)
    page.goto(detail)
    assert page.locator(".call-badges .badge").first.inner_text() == "Ringing"

    sim.set_fault(status=500, paths=[f"/api/v1/calls/{call['id']}"])
    page.wait_for_timeout(5000)  # two failed polls at least
    assert page.locator(".call-badges .badge").first.inner_text() == "Ringing"
    assert page.locator("#call").get_attribute("hx-trigger") == "every 2s"
    assert len(failed) >= 2

    sim.clear_faults()
    sim.advance(20)  # answered: the next poll shows it
    page.wait_for_function(
        "() => document.querySelector('.call-badges .badge').textContent === 'In conversation'"
    )
