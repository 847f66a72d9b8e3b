"""The Team page, a member's form and the audit log in Chromium: a whole add-a-member flow to
the new member's first sign-in, axe-core and the HTML checker on each page, and 320 px."""

from __future__ import annotations

import re

import pytest

from calls import audit
from calls.models import AuditEvent, Membership
from tests.browser.conftest import screenshot
from tests.browser.test_accessibility import AXE, checked_html, serious_violations
from tests.conftest import ACME_KEY, need

pytestmark = pytest.mark.browser

SALES = "+14155551234"


@pytest.fixture
def admin(dashboard, alice, bob, django_user_model):
    alice.membership.role = Membership.ADMIN
    alice.membership.save()
    bob.membership.lines = [SALES]
    bob.membership.can_access_content = False
    bob.membership.save()
    call = dashboard.sim.add_call(ACME_KEY, main_number=SALES, main_number_name="Sales")
    audit.record(None, AuditEvent.RECORDING_PLAYED, user=bob, call_id=call["id"])
    audit.record(None, AuditEvent.MEMBER_CHANGED, user=alice, detail="=cmd|' /C calc'!A0")
    dashboard.sales_call_id = call["id"]
    return dashboard


@pytest.fixture(scope="module")
def axe() -> str:
    if not AXE.exists():
        need("axe-core is not installed (run npm ci)")
    return AXE.read_text()


PAGES = {
    "team": "/team/",
    "team-add": "/team/add/",
    "team-member": "/team/{bob}/",
    "audit": "/audit/",
    "audit-bad-filter": "/audit/?action=nope",
}


def path_of(name: str, bob) -> str:
    return PAGES[name].format(bob=bob.membership.pk)


@pytest.mark.parametrize("width", [1280, 320])
@pytest.mark.parametrize("name", PAGES)
def test_it_reads_well_and_accessibly_at_any_width(
    page,
    admin,
    bob,
    axe,
    name,
    width,
):
    page.set_viewport_size({"width": width, "height": 800})
    admin.sign_in(page)
    page.goto(admin.url + path_of(name, bob))

    assert page.locator("h1").count() == 1
    assert serious_violations(page, axe) == []
    # Wide tables scroll inside their region; the page itself never scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    if width == 320:
        screenshot(page, f"{name}-320")


def test_it_adds_a_member_who_chooses_a_password_at_first_sign_in(
    page,
    admin,
    browser,
    axe,
):
    admin.sign_in(page)
    page.get_by_role("link", name="Team").click()
    page.get_by_role("link", name="Add a member").click()
    page.get_by_label("Username").fill("dana")
    page.get_by_label("Other lines").fill("(415) 555 1234, 12")
    page.get_by_role("button", name="Add member").click()

    error = page.locator("#id_other_lines_error")
    assert "We can't read “12” as a phone number" in error.inner_text()
    assert page.get_by_label("Other lines").get_attribute("aria-invalid") == "true"
    assert serious_violations(page, axe) == []

    page.get_by_label("Other lines").fill("(415) 555 1234")
    page.get_by_role("button", name="Add member").click()
    password = page.locator(".one-time-password code").inner_text()
    assert re.fullmatch(r"\w{4}-\w{4}-\w{4}-\w{4}", password)
    screenshot(page, "team-added")

    other = browser.new_context()
    try:
        dana = other.new_page()
        dana.goto(f"{admin.url}/accounts/login/")
        dana.get_by_label("Username").fill("dana")
        dana.get_by_label("Password").fill(password)
        with dana.expect_navigation():
            dana.get_by_role("button", name="Sign in").click()
        assert dana.url.endswith("/accounts/password_change/")
        assert dana.get_by_role("heading", name="Choose your own password").is_visible()
        dana.get_by_label("Old password").fill(password)
        dana.get_by_label("New password", exact=True).fill("danas-very-own-passphrase")
        dana.get_by_label("New password confirmation").fill("danas-very-own-passphrase")
        dana.get_by_role("button", name="Change password").click()
        dana.get_by_role("link", name="Back to calls").click()
        assert dana.locator(".scope-note").inner_text().startswith("Your lines: Sales")
    finally:
        other.close()


def test_it_shows_a_limited_manager_no_player_and_only_their_line(page, admin, bob):
    admin.sign_in(page, "bob")
    note = page.locator(".scope-note").inner_text()
    assert note.startswith("Your lines: Sales +1 415-555-1234 — ")
    assert set(page.locator("table.calls tbody tr td:nth-child(3)").all_inner_texts()) == {"Sales"}
    page.locator(f'table.calls a[href="/calls/{admin.sales_call_id}/"]').click()
    assert page.locator("audio").count() == 0
    assert page.get_by_text("Your access does not include recordings and transcripts.").is_visible()
    assert page.get_by_role("link", name="Team").count() == 0


def test_it_serves_valid_html(page, admin, bob, tmp_path):
    admin.sign_in(page)
    files = []
    for name in PAGES:
        response = page.request.get(admin.url + path_of(name, bob))
        files.append(tmp_path / f"{name}.html")
        files[-1].write_bytes(response.body())
    page.goto(f"{admin.url}/team/add/")
    page.get_by_label("Username").fill("erin")
    page.get_by_role("button", name="Add member").click()
    page.locator(".one-time-password").wait_for()
    files.append(tmp_path / "team-added.html")
    files[-1].write_text(page.content())

    assert checked_html(files)[0] == []


def test_it_keeps_acmes_team_and_log_from_another_companys_admin(page, admin, charlie):
    charlie.membership.role = Membership.ADMIN
    charlie.membership.save()
    admin.sign_in(page, "charlie")
    page.goto(admin.url + "/team/")
    assert "alice" not in page.content() and "bob" not in page.content()
    page.goto(admin.url + "/audit/")
    assert "bob" not in page.locator("main").inner_text()
