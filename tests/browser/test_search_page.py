"""The call search in Chromium: results as you type (only the results change, the address is
pushed), the plain form without JavaScript, a result's link to the call's marked transcript,
and the page's accessibility and HTML."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from calls.models import Company
from tests.browser.conftest import screenshot
from tests.browser.test_accessibility import axe_source, checked_html, serious_violations
from tests.history.conftest import keeping
from tests.history.stored import SUPPORT, a_call, keep, local

pytestmark = pytest.mark.browser

__all__ = ["axe_source"]


@pytest.fixture
def simulator(fresh_simulator):
    return fresh_simulator


@pytest.fixture
def said(dashboard, alice):
    """Acme keeping transcripts, with 25 stored calls about refunds and a few others."""
    company = keeping(Company.objects.get(pk=alice.membership.company_id))
    start = local(company, -2, 8)
    keep(
        company,
        *(
            a_call(
                f"refund-{n:02d}",
                start + timedelta(minutes=n),
                words=f"About the refund of order {1000 + n}.",
            )
            for n in range(25)
        ),
        a_call(
            "fee",
            local(company, -1, 9),
            words="There is a late fee on invoice INV-29437.",
            line=SUPPORT,
        ),
        a_call("zoe", local(company, -1, 10), words="Zoë asked for the señor."),
    )
    return company


def test_results_come_as_you_type_and_the_address_follows(page, dashboard, said):
    dashboard.sign_in(page)
    page.get_by_role("link", name="Search").click()
    page.get_by_role("heading", name="Search calls").wait_for()
    page.evaluate("window.__marker = 1")
    page.get_by_label("Search what was said").press_sequentially("late fee", delay=30)
    page.wait_for_url(lambda url: "q=late+fee" in url, wait_until="commit")
    page.locator(".snippet mark").first.wait_for()
    assert page.evaluate("window.__marker") == 1, "the page reloaded instead of swapping"
    said_by_alex = page.locator(".snippet", has_text="Alex Wong")
    assert said_by_alex.inner_text() == "Alex Wong: There is a late fee on invoice INV-29437."
    assert said_by_alex.locator("mark").all_inner_texts() == ["late", "fee"]
    screenshot(page, "search")

    page.get_by_label("Search what was said").fill("refund")
    page.wait_for_function(
        "() => document.querySelector('.period-count')?.innerText.startsWith('25 calls')"
    )
    page.get_by_role("link", name="More results").click()
    page.wait_for_url(lambda url: "cursor=" in url, wait_until="commit")
    page.wait_for_function(
        "() => document.querySelector('.period-count')?.innerText.includes('21–25')"
    )
    assert page.locator("tbody.result").count() == 5

    page.get_by_label("Search what was said").fill("zoe")
    page.locator("tbody.result").filter(has_text="Zoë").wait_for()
    with page.expect_navigation():
        page.get_by_role("link", name="Details").first.click()
    assert parse_qs(urlsplit(page.url).query)["q"] == ["zoe"]


def test_the_search_is_a_plain_form_without_javascript(browser, dashboard, said):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 860}
    )
    try:
        page = context.new_page()
        dashboard.sign_in(page)
        page.goto(f"{dashboard.url}/calls/search/")
        page.get_by_label("Search what was said").fill('"INV-29437"')
        with page.expect_navigation():
            page.get_by_role("button", name="Search").click()
        assert page.locator("tbody.result").count() == 1
        assert page.locator(".snippet mark").all_inner_texts() == ["INV-29437"]
        assert "INV-29437" in page.get_by_label("Search what was said").input_value()
    finally:
        context.close()


def test_the_search_page_is_accessible_and_valid_html(page, dashboard, said, axe_source, tmp_path):
    dashboard.sign_in(page)
    files = []
    for name, path in {
        "empty": "/calls/search/",
        "found": "/calls/search/?q=refund+OR+fee",
    }.items():
        page.goto(dashboard.url + path)
        assert page.locator("h1").count() == 1
        assert serious_violations(page, axe_source) == []
        files.append(tmp_path / f"{name}.html")
        files[-1].write_bytes(page.request.get(dashboard.url + path).body())
    assert checked_html(files)[0] == []
