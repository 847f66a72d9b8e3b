"""The call list in Chromium: sign in, filter with htmx (no reload, URL pushed), back button."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

REGULAR = "(408) 555-0199"  # +14085550199, one of Acme's regular callers


def rows(page):
    return page.locator("#results table.calls tbody tr")


def parties(page) -> list[str]:
    return [text.strip() for text in page.locator("#results td.party").all_inner_texts()]


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


def test_it_signs_in_through_the_form_and_lists_calls(page, dashboard):
    dashboard.sign_in(page)
    assert urlsplit(page.url).path == "/calls/"
    assert page.get_by_role("heading", name="Calls").is_visible()
    assert rows(page).count() == 10
    assert page.locator(".site-nav .company-name").inner_text() == "Acme Corp"
    screenshot(page, "list")


def test_it_filters_by_a_local_number_without_reloading(page, signed_in):
    everyone = parties(page)
    assert len(set(everyone)) > 1
    page.evaluate("window.__marker = 1")

    page.get_by_label("Phone number").press_sequentially(REGULAR, delay=10)
    page.wait_for_url(lambda url: "phone_number=" in url, wait_until="commit")
    page.wait_for_function(
        "n => [...document.querySelectorAll('#results td.party')]"
        ".every(td => td.innerText.trim() === n)",
        arg=REGULAR,
    )

    assert page.evaluate("window.__marker") == 1, "the page reloaded instead of swapping"
    assert query_of(page.url)["phone_number"] == [REGULAR]
    matching = parties(page)
    assert matching and set(matching) == {REGULAR}

    page.go_back()
    page.wait_for_url(lambda url: "phone_number" not in url, wait_until="commit")
    page.wait_for_function(
        "expected => JSON.stringify([...document.querySelectorAll('#results td.party')]"
        ".map(td => td.innerText.trim())) === JSON.stringify(expected)",
        arg=everyone,
    )
    assert page.evaluate("window.__marker") == 1
    assert page.get_by_label("Phone number").input_value() == ""


def test_it_filters_by_direction_state_and_limit(page, signed_in):
    page.evaluate("window.__marker = 1")

    page.get_by_label("Direction").select_option("outbound")
    page.wait_for_url(
        lambda url: query_of(url).get("direction") == ["outbound"], wait_until="commit"
    )
    page.wait_for_function(
        "() => { const cells = [...document.querySelectorAll('#results td.direction')];"
        " return cells.length > 0 && cells.every(td => td.classList.contains"
        "('direction-outbound')); }"
    )

    page.get_by_label("State").select_option("ended")
    page.wait_for_url(lambda url: query_of(url).get("state") == ["ended"], wait_until="commit")
    page.wait_for_function(
        "() => { const badges = [...document.querySelectorAll('#results tbody tr "
        "td:nth-child(4) .badge:first-child')]; return badges.length > 0 &&"
        " badges.every(b => b.innerText.trim() === 'Ended'); }"
    )
    directions = page.locator("#results td.direction").all_inner_texts()
    assert {text.strip() for text in directions} == {"Outbound"}
    arrows = page.evaluate(
        "() => [...document.querySelectorAll('#results td.direction')]"
        ".map(td => getComputedStyle(td, '::before').content)"
    )
    assert arrows and all("↗" in arrow for arrow in arrows), "the stylesheet draws the arrow"

    page.get_by_label("Show", exact=True).select_option("25")
    page.wait_for_url(lambda url: query_of(url).get("limit") == ["25"], wait_until="commit")
    page.wait_for_function("() => document.querySelectorAll('#results tbody tr').length > 10")
    assert 10 < rows(page).count() <= 25
    assert page.evaluate("window.__marker") == 1


def test_it_shows_a_form_error_for_an_unreadable_number_without_calling_upstream(page, signed_in):
    dashboard = signed_in
    dashboard.sim.reset_stats()
    page.get_by_label("Phone number").fill("call me maybe")
    page.get_by_label("Phone number").press("Enter")
    alert = page.locator("#results [role=alert]")
    alert.wait_for()
    assert "can't read" in alert.inner_text()
    assert dashboard.sim.request_count("/api/") == 0


def test_it_marks_the_field_invalid_while_typing_and_clears_it_once_fixed(page, signed_in):
    field = page.get_by_label("Phone number")
    field.fill("call me maybe")
    page.locator("#id_phone_number_error:not(:empty)").wait_for()
    assert field.get_attribute("aria-invalid") == "true"
    assert field.get_attribute("aria-describedby") == "id_phone_number_error"
    field.fill("(408) 555-0199")
    page.locator("#id_phone_number_error:empty").wait_for(state="attached")
    page.wait_for_function("() => !document.getElementById('id_phone_number').ariaInvalid")
    assert field.get_attribute("aria-invalid") is None


def test_it_announces_the_results_after_a_swap(page, signed_in):
    """The live region stays in place and its text changes, so screen readers read it out."""
    status = page.locator("#results-status")
    assert status.get_attribute("role") == "status"
    assert status.inner_text() == "10 calls shown."
    page.evaluate("window.__status = document.getElementById('results-status')")

    page.get_by_label("Show", exact=True).select_option("25")
    page.wait_for_function(
        "() => document.getElementById('results-status').textContent === '25 calls shown.'"
    )
    assert page.evaluate("window.__status === document.getElementById('results-status')")
    assert page.locator("[role=status]#results-status").count() == 1
    assert rows(page).count() == 25


def test_it_filters_by_a_number_clicked_in_the_table(page, signed_in):
    page.evaluate("window.__marker = 1")
    link = page.locator("#results td.party a").first
    number = link.inner_text().strip()
    link.click()
    page.wait_for_url(lambda url: "phone_number=" in url, wait_until="commit")
    page.wait_for_function(
        "n => { const cells = [...document.querySelectorAll('#results td.party')];"
        " return cells.length > 0 && cells.every(td => td.innerText.trim() === n); }",
        arg=number,
    )
    assert page.evaluate("window.__marker") == 1
    assert page.get_by_label("Phone number").input_value() != ""


FOCUSED = """() => {
  const el = document.activeElement, s = getComputedStyle(el);
  return {id: el.id, text: el.textContent.trim(), outline: s.outlineStyle,
          width: parseFloat(s.outlineWidth)};
}"""


def test_it_moves_focus_through_the_filters_and_table_links_with_a_visible_outline(page, signed_in):
    first_number = page.locator("#results td.party a").first.inner_text().strip()
    expected = [
        "id_phone_number",
        "id_direction",
        "id_state",
        "id_limit",
        "Filter",
        "Reset",
        "Insights for these calls",
        "Download CSV",
        first_number,
        "Details",
    ]
    page.get_by_label("Phone number").focus()
    page.keyboard.press("Shift+Tab")  # from the page before the form, as a keyboard user comes
    seen = []
    for _ in expected:
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        seen.append(focused["id"] or focused["text"].split(" of the call")[0])
        assert focused["outline"] != "none" and focused["width"] >= 2, focused
    assert seen == expected


def test_it_fits_a_phone_screen_with_a_card_for_each_call(page, signed_in):
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"{signed_in.url}/calls/?limit=25")
    widths = page.evaluate(
        "() => [document.documentElement.clientWidth, document.documentElement.scrollWidth]"
    )
    assert widths[1] <= widths[0], f"the page scrolls sideways: {widths}"
    wrap = page.locator(".table-wrap")
    assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth"), "nothing hides to the side"
    assert rows(page).first.evaluate("tr => getComputedStyle(tr).display") == "flex"
    # Numbers never break over lines.
    cell = page.locator("#results td.party a").first
    assert cell.evaluate("a => a.getClientRects().length") == 1


def test_it_sends_the_whole_window_to_sign_in_when_the_session_has_expired(page, signed_in):
    """Not a sign-in form swapped into the results: the login page, then back to the list."""
    page.goto(f"{signed_in.url}/calls/?direction=inbound")
    page.context.clear_cookies()  # the session is gone, as after it expired

    page.get_by_label("State").select_option("ended")
    page.wait_for_url(lambda url: urlsplit(url).path == "/accounts/login/")
    assert query_of(page.url)["next"] == ["/calls/?direction=inbound"]
    assert page.locator("#results").count() == 0  # a page of its own, nothing nested

    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert urlsplit(page.url).path == "/calls/"
    assert query_of(page.url) == {"direction": ["inbound"]}
