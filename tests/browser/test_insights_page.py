"""The insights page in Chromium: axe, sorting with htmx, the chart under the CSP, narrow
screens, and the CSV download."""

from __future__ import annotations

import csv
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_accessibility import axe_source, serious_violations  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def simulator(fresh_simulator):
    """The seeded calls alone: calls that other browser tests add to the session's served
    simulator can fill the window with answered calls and leave the chart one colour."""
    return fresh_simulator


def employee_names(page) -> list[str]:
    return [n.strip() for n in page.locator("#employees tbody th").all_inner_texts()]


@pytest.mark.parametrize(
    "path",
    [
        "/calls/insights/",
        "/calls/insights/?direction=inbound&limit=25&sort=talk_average&order=asc",
        "/calls/insights/?phone_number=call+me+maybe",
        "/calls/insights/?sort=salary",
        "/calls/insights/?phone_number=%2B19999999999",  # no calls: the empty state
    ],
)
def test_it_has_no_serious_accessibility_violations(page, signed_in, axe_source, path):  # noqa: F811
    page.goto(signed_in.url + path)
    assert page.locator("h1").count() == 1
    assert serious_violations(page, axe_source) == []


def test_it_stays_accessible_on_a_phone(context, signed_in, axe_source):  # noqa: F811
    page = context.pages[0]
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(signed_in.url + "/calls/insights/")
    assert serious_violations(page, axe_source) == []
    # Nothing but the scrolling tables is wider than the screen.
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 320
    box = page.locator("svg.chart").bounding_box()
    assert box["width"] <= 320 and box["height"] > 50


def test_it_sorts_the_employees_without_reloading(page, signed_in, axe_source):  # noqa: F811
    page.goto(signed_in.url + "/calls/insights/")
    page.evaluate("window.__marker = 1")
    page.locator("#employees thead a", has_text="Employee").click()
    page.wait_for_url(lambda url: "sort=name" in url, wait_until="commit")
    page.wait_for_function(
        "() => document.querySelector('#employees th[aria-sort]')"
        "?.textContent.startsWith('Employee')"
    )
    names = employee_names(page)
    assert names == sorted(names, key=str.casefold) and len(names) > 1
    assert page.evaluate("window.__marker") == 1, "the page reloaded instead of swapping"
    assert serious_violations(page, axe_source) == []

    # The filters keep the sort: choosing a direction swaps the results, still by name.
    page.get_by_label("Direction").select_option("inbound")
    page.wait_for_url(lambda url: "direction=inbound" in url, wait_until="commit")
    page.wait_for_function(
        "() => document.querySelector('.window-note')?.innerText.includes('inbound calls')"
    )
    query = parse_qs(urlsplit(page.url).query)
    assert query["sort"] == ["name"] and query["direction"] == ["inbound"]
    names = employee_names(page)
    assert names == sorted(names, key=str.casefold)
    assert page.evaluate("window.__marker") == 1


def test_it_colours_the_chart_through_the_stylesheet(page, signed_in):
    page.goto(signed_in.url + "/calls/insights/")
    fills = page.evaluate(
        """() => ['answered', 'missed', 'outbound'].map(kind => {
          const rect = document.querySelector('svg.chart rect.bar-' + kind);
          return rect && getComputedStyle(rect).fill;
        })"""
    )
    colours = page.evaluate(
        """() => ['--ok', '--bad', '--accent'].map(name => {
          const probe = document.createElement('span');
          probe.style.color = getComputedStyle(document.documentElement).getPropertyValue(name);
          document.body.append(probe);
          const colour = getComputedStyle(probe).color;
          probe.remove();
          return colour;
        })"""
    )
    assert None not in fills and fills == colours
    assert len(set(fills)) == 3
    screenshot(page, "insights")


def test_it_downloads_the_calls_it_counts_as_csv(page, signed_in):
    page.goto(signed_in.url + "/calls/insights/?direction=outbound&limit=25")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    name = download.value.suggested_filename
    assert re.fullmatch(r"calls-acme-corp-\d{8}-\d{4}\.csv", name)
    with open(download.value.path(), encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    assert rows and {row["direction"] for row in rows} == {"outbound"}
    counted = page.locator(".window-note").inner_text()
    assert f"Covers the {len(rows)} most recent outbound calls" in counted
