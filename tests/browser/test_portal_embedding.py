"""The dashboard inside a company portal's iframe, on another site (127.0.0.1 vs localhost).

Settings mirror what phonedash/settings.py computes when PHONEDASH_FRAME_ANCESTORS names the
portal: CSP frame-ancestors, and SameSite=None; Secure cookies (made Partitioned by
phonedash.middleware), which Chromium keeps for http://localhost as a potentially trustworthy
origin.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

REGULAR = "(408) 555-0199"


def allow_portal(settings, *origins: str) -> None:
    settings.PHONEDASH_FRAME_ANCESTORS = list(origins)
    settings.SECURE_CSP = {**settings.SECURE_CSP, "frame-ancestors": list(origins)}
    settings.SESSION_COOKIE_SAMESITE = settings.CSRF_COOKIE_SAMESITE = "None"
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True


def test_it_signs_in_and_filters_inside_a_named_portals_frame(page, dashboard, portal, settings):
    allow_portal(settings, portal.origin)
    responses = []
    page.on("response", lambda response: responses.append(response))
    page.goto(portal.frame(f"{dashboard.url}/calls/"))

    frame = page.frame_locator("iframe")
    frame.get_by_label("Username").fill("alice")
    frame.get_by_label("Password").fill(PASSWORD)
    frame.get_by_role("button", name="Sign in").click()
    frame.get_by_role("heading", name="Calls").wait_for()

    assert page.url == f"{portal.origin}/", "the portal page itself must stay"
    framed = page.frames[1]
    assert framed.url.startswith(f"{dashboard.url}/calls/")
    assert framed.locator("body.embedded").count() == 1
    assert framed.locator(".site-header").count() == 0
    assert framed.locator("#results tbody tr").count() == 10
    login = next(r for r in responses if r.url.startswith(f"{dashboard.url}/accounts/login/"))
    assert "x-frame-options" not in login.headers
    assert f"frame-ancestors {portal.origin}" in login.headers["content-security-policy"]
    session = [c for c in page.context.cookies() if c["name"] == "sessionid"]
    assert session and session[0]["sameSite"] == "None" and session[0]["secure"]

    framed.evaluate("window.__marker = 1")
    frame.get_by_label("Phone number").press_sequentially(REGULAR, delay=10)
    framed.wait_for_function(
        "n => { const cells = [...document.querySelectorAll('#results td.party')];"
        " return cells.length > 0 && cells.every(td => td.innerText.trim() === n); }",
        arg=REGULAR,
    )
    assert framed.evaluate("window.__marker") == 1
    assert "phone_number=" in framed.url
    screenshot(page, "embedded")


def test_it_refuses_a_portal_it_does_not_name(page, dashboard, portal, settings):
    allow_portal(settings, "https://intranet.example.com")
    with page.expect_response(lambda r: r.url.startswith(dashboard.url)) as answer:
        page.goto(portal.frame(f"{dashboard.url}/accounts/login/"))
    response = answer.value
    assert response.status == 200
    assert (
        "frame-ancestors https://intranet.example.com"
        in (response.headers["content-security-policy"])
    )
    page.wait_for_load_state("load")
    framed = page.frames[1]
    assert not framed.url.startswith(dashboard.url), framed.url
    assert framed.locator("input[name=password]").count() == 0


def test_it_refuses_every_portal_by_default(page, dashboard, portal):
    with page.expect_response(lambda r: r.url.startswith(dashboard.url)) as answer:
        page.goto(portal.frame(f"{dashboard.url}/accounts/login/"))
    assert "frame-ancestors 'none'" in answer.value.headers["content-security-policy"]
    page.wait_for_load_state("load")
    framed = page.frames[1]
    assert not framed.url.startswith(dashboard.url), framed.url
    assert framed.locator("input[name=password]").count() == 0
