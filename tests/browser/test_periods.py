"""Periods of the call history in Chromium: the When control with htmx (only the results change,
the address is pushed) and as a plain GET form without JavaScript; the list's Older calls link;
insights and callbacks over a period; their accessibility and HTML; and, with the history off,
the callbacks board checking older callers without moving the rows already known."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from calls.models import Company
from tests.browser.conftest import screenshot
from tests.browser.test_accessibility import axe_source, checked_html, serious_violations
from tests.history.conftest import keeping
from tests.history.stored import a_call, keep, local

pytestmark = pytest.mark.browser

__all__ = ["axe_source"]


@pytest.fixture
def simulator(fresh_simulator):
    return fresh_simulator


@pytest.fixture
def history(dashboard, alice):
    """Acme keeping 90 days, with 60 stored calls two days ago and a missed one yesterday."""
    company = keeping(Company.objects.get(pk=alice.membership.company_id))
    start = local(company, -2, 8)
    keep(
        company,
        *(a_call(f"kept-{n:02d}", start + timedelta(minutes=n)) for n in range(60)),
        a_call("kept-missed", local(company, -1, 9), answered=False, remote="+14085550177"),
    )
    return company


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


def detail_ids(page) -> list[str]:
    hrefs = page.locator("#results td.details a").evaluate_all("as => as.map(a => a.href)")
    return [urlsplit(href).path.split("/")[2] for href in hrefs]


def test_the_when_control_swaps_only_the_results_and_pushes_the_address(page, dashboard, history):
    dashboard.sign_in(page)
    page.evaluate("window.__marker = 1")
    assert not page.get_by_label("From").is_visible()  # the days show only for Custom
    page.get_by_label("When").select_option("7d")
    page.wait_for_url(lambda url: "period=7d" in url, wait_until="commit")
    page.locator(".period-count").wait_for()
    assert page.evaluate("window.__marker") == 1, "the page reloaded instead of swapping"
    assert "61 calls" in page.locator(".period-count").inner_text()
    assert detail_ids(page)[:2] == ["kept-missed", "kept-59"]

    page.get_by_role("link", name="Older calls").click()
    page.wait_for_url(lambda url: "before=" in url, wait_until="commit")
    page.get_by_role("link", name="Newest calls").wait_for()
    assert detail_ids(page)[0] == "kept-50"  # the page after the newest 10 (the form's limit)

    page.get_by_label("When").select_option("custom")
    assert page.get_by_label("From").is_visible() and page.get_by_label("To").is_visible()
    day = str(local(history, -2, 8).date())
    page.get_by_label("From").fill(day)
    page.get_by_label("To").fill(day)
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(lambda url: f"to={day}" in url, wait_until="commit")
    page.wait_for_function(
        "() => document.querySelector('.period-count')?.innerText.includes('60 calls')"
    )
    assert query_of(page.url)["from"] == [day]
    screenshot(page, "list-period")

    # Back to Latest: the days are cleared (when.js), so nothing asks for both.
    page.get_by_label("When").select_option("")
    page.wait_for_url(lambda url: "from=" not in url and "period" not in url, wait_until="commit")
    page.locator("#results table.calls").wait_for()
    assert page.get_by_label("From").input_value() == ""
    assert page.evaluate("window.__marker") == 1


def test_the_when_control_is_a_plain_form_without_javascript(browser, dashboard, history):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 860}
    )
    try:
        page = context.new_page()
        dashboard.sign_in(page)
        page.get_by_label("When").select_option("custom")
        assert page.get_by_label("From").is_visible()  # the stylesheet shows the days
        day = str(local(history, -2, 8).date())
        page.get_by_label("From").fill(day)
        with page.expect_navigation():
            page.get_by_role("button", name="Filter").click()
        assert query_of(page.url)["period"] == ["custom"]
        assert "61 calls" in page.locator(".period-count").inner_text()  # that day to today
        # Both a named period and days: the server says which to keep, and keeps the page.
        page.get_by_label("When").select_option("7d")
        with page.expect_navigation():
            page.get_by_role("button", name="Filter").click()
        assert "not both" in page.locator("#results .alert").inner_text()
    finally:
        context.close()


def test_insights_and_callbacks_answer_over_the_last_7_days(page, dashboard, history):
    dashboard.sign_in(page)
    page.goto(f"{dashboard.url}/calls/insights/")
    assert page.get_by_label("When").input_value() == "7d"
    text = " ".join(page.locator("#results").inner_text().split())
    assert "Covers 61 calls," in text and "none in the 7 days before" in text
    screenshot(page, "insights-period")
    page.goto(f"{dashboard.url}/calls/callbacks/")
    open_rows = page.get_by_role("region", name="Open callbacks")
    assert open_rows.locator("tr", has_text="(408) 555-0177").count() == 1
    # The row's link reads as the call's details, not as dialling the number.
    assert open_rows.get_by_role("link", name="Details").count() == 1
    screenshot(page, "callbacks-period")


@pytest.mark.parametrize("path", ["/calls/?period=7d", "/calls/insights/", "/calls/callbacks/"])
def test_period_pages_have_no_serious_accessibility_violations(
    page, dashboard, history, axe_source, path
):
    dashboard.sign_in(page)
    page.goto(dashboard.url + path)
    assert page.locator("h1").count() == 1
    assert serious_violations(page, axe_source) == []


def test_period_pages_serve_valid_html(page, dashboard, history, tmp_path):
    dashboard.sign_in(page)
    files = []
    for name, path in {
        "list.html": "/calls/?period=7d&limit=25",
        "custom.html": "/calls/?from=2020-01-01",
        "insights.html": "/calls/insights/",
        "callbacks.html": "/calls/callbacks/",
    }.items():
        files.append(tmp_path / name)
        files[-1].write_bytes(page.request.get(dashboard.url + path).body())
    assert checked_html(files)[0] == []


def test_checking_older_callers_leaves_the_known_rows_in_place(page, dashboard):
    """History off: the board shows what it knows at once and only the checked rows move."""
    dashboard.sign_in(page)
    checks = re.compile(r"/calls/callbacks/\?check=1")
    page.route(checks, lambda route: route.abort())
    page.goto(f"{dashboard.url}/calls/callbacks/")
    checking = page.locator("#checking-section")
    checking.wait_for()
    known = page.locator("#open-section tbody tr").evaluate_all("rs => rs.map(r => r.id)")
    handled = page.locator("#handled-section tbody tr").evaluate_all("rs => rs.map(r => r.id)")
    assert known and handled
    page.unroute(checks)
    page.evaluate(
        "() => htmx.ajax('GET', '/calls/callbacks/?check=1',"
        " {target: '#checking-section', swap: 'outerHTML'})"
    )
    page.wait_for_function("() => !document.querySelector('#checking-section:not([hidden])')")
    after_open = page.locator("#open-section tbody tr").evaluate_all("rs => rs.map(r => r.id)")
    after_handled = page.locator("#handled-section tbody tr").evaluate_all(
        "rs => rs.map(r => r.id)"
    )
    # Every row known before is still there, in the same order; the checked ones joined.
    assert [row for row in after_open if row in known] == known
    assert [row for row in after_handled if row in handled] == handled
    assert len(after_open) + len(after_handled) > len(known) + len(handled)
