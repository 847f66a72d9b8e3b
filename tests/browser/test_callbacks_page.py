"""The callbacks board in Chromium: older callers checked after the page shows, a callback
marked handled moving down without a page load, a note added on a call's page in place; and
the board's accessibility and HTML."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_accessibility import axe_source, checked_html, serious_violations

pytestmark = pytest.mark.browser

__all__ = ["axe_source"]  # the fixture, for this module's tests

TWICE = "(650) 555-0142"  # the seeded caller who rang twice and is still waiting
OLD_RETURNED = "(503) 555-0111"  # days back: known returned only once checked


@pytest.fixture
def simulator(fresh_simulator):
    """The seeded story alone: calls that other browser tests add to the session's served
    simulator would push the older callers out of the board's window."""
    return fresh_simulator


def open_board(page, dashboard) -> None:
    page.goto(f"{dashboard.url}/calls/callbacks/")
    # Older missed calls are checked in a request of the board's own, once the page shows.
    page.wait_for_function("() => !document.querySelector('#board .callback-checking')")


def region(page, name: str):
    return page.get_by_role("region", name=name)


def test_it_checks_older_missed_calls_after_the_page_shows(page, signed_in):
    open_board(page, signed_in)
    handled = region(page, "Handled callbacks")
    row = handled.locator("tr", has_text=OLD_RETURNED)
    assert "Returned by Alex Wong after 40 min" in " ".join(row.inner_text().split())
    assert page.locator("#board").get_attribute("hx-trigger") == "notesChanged from:body"


def test_it_moves_a_callback_marked_handled_down_without_a_page_load(page, signed_in):
    open_board(page, signed_in)
    page.evaluate("window.__marker = 1")
    url = page.url
    row = region(page, "Open callbacks").locator("tr", has_text=TWICE)
    assert row.count() == 1
    assert "Handled callbacks" not in row.evaluate("r => r.closest('[role=region]').ariaLabel")
    row.locator("summary").click()
    row.get_by_label("Add a note").fill("Left a voicemail, will try again tomorrow.")
    row.get_by_label("Mark this missed call handled").check()
    row.get_by_role("button", name="Save note").click()

    moved = region(page, "Handled callbacks").locator("tr", has_text=TWICE)
    moved.wait_for()
    text = " ".join(moved.inner_text().split())
    assert "Marked handled by alice" in text and "Left a voicemail" in text
    assert region(page, "Open callbacks").locator("tr", has_text=TWICE).count() == 0
    assert page.evaluate("window.__marker") == 1, "the page reloaded instead of swapping"
    assert page.url == url
    screenshot(page, "callbacks")


def test_it_adds_a_note_on_a_calls_page_in_place(page, signed_in):
    open_board(page, signed_in)
    link = region(page, "Open callbacks").locator("tr", has_text=TWICE).get_by_role("link")
    with page.expect_navigation():
        link.filter(has_text="Call").last.click()
    call_path = urlsplit(page.url).path
    page.evaluate("window.__marker = 1")
    page.get_by_label("Add a note").fill("Asked Priya to call back.")
    page.get_by_role("button", name="Save note").click()
    page.locator(".notes .note-text", has_text="Asked Priya to call back.").wait_for()
    assert page.locator(".notes [role=status]").inner_text() == "Note saved."
    assert page.get_by_label("Add a note").input_value() == ""
    assert page.evaluate("window.__marker") == 1
    assert urlsplit(page.url).path == call_path

    page.get_by_role("button", name="Delete your note").click()
    page.locator(".notes", has_text="No notes yet.").wait_for()
    assert page.evaluate("window.__marker") == 1


def test_it_has_no_serious_accessibility_violations(page, signed_in, axe_source):
    open_board(page, signed_in)
    region(page, "Open callbacks").locator("summary").first.click()
    assert page.locator("h1").count() == 1
    assert serious_violations(page, axe_source) == []
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert serious_violations(page, axe_source) == []


def test_it_serves_valid_html(page, signed_in, tmp_path):
    files = []
    for name, path in {
        "callbacks.html": "/calls/callbacks/",
        "callbacks-checked.html": "/calls/callbacks/?check=1",
        "callbacks-error.html": "/calls/callbacks/?show=nope",
    }.items():
        response = page.request.get(signed_in.url + path)
        files.append(tmp_path / name)
        files[-1].write_bytes(response.body())
    assert checked_html(files)[0] == []
