"""Our pages and Django's admin run in Chromium under the CSP without a single violation.

The policy forbids inline script and style; a page that needed either would break silently in a
browser, so every page is loaded, used a little, and the browser's violation reports collected.
"""

from __future__ import annotations

import pytest

from tests.conftest import ACME_KEY, PASSWORD

pytestmark = pytest.mark.browser

COLLECT_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sample}`);
});
"""


def violations_on(page, url: str) -> list[str]:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return page.evaluate("window.__violations")


def console_refusals(page) -> list[str]:
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    return messages


def test_it_runs_the_dashboard_without_csp_violations(page, signed_in, simulator):
    call = simulator.add_call(ACME_KEY, state="ended", summary="Order", from_="+14085550199")
    page.add_init_script(COLLECT_VIOLATIONS)
    messages = console_refusals(page)
    base = signed_in.url
    for url in (
        f"{base}/calls/",
        f"{base}/calls/?embed=1",
        f"{base}/calls/{call['id']}/",
        f"{base}/calls/no-such-call/",
        f"{base}/accounts/password_change/",
    ):
        assert violations_on(page, url) == [], url
    page.goto(f"{base}/calls/")
    page.get_by_label("Direction").select_option("inbound")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__violations") == []
    assert not [m for m in messages if "Content Security Policy" in m], messages
    # The collector could fail: an injected inline script and style are reported.
    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.__ran = true";
          document.body.append(script);
          document.body.setAttribute("style", "color: red");
        }"""
    )
    page.wait_for_timeout(200)
    blocked = page.evaluate("window.__violations")
    assert any(v.startswith("script-src") for v in blocked), blocked
    assert any(v.startswith("style-src") for v in blocked), blocked
    assert page.evaluate("window.__ran") is None


def test_it_runs_the_admin_without_csp_violations(page, dashboard, django_user_model, acme, alice):
    django_user_model.objects.create_superuser("root", "root@example.com", PASSWORD)
    page.add_init_script(COLLECT_VIOLATIONS)
    messages = console_refusals(page)
    base = dashboard.url
    page.goto(f"{base}/admin/login/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    for path in (
        "/admin/",
        "/admin/calls/company/",
        f"/admin/calls/company/{acme.pk}/change/",
        "/admin/calls/company/add/",
        "/admin/auth/user/",
        f"/admin/auth/user/{alice.pk}/change/",
        "/admin/auth/user/add/",
        f"/admin/auth/user/{alice.pk}/password/",
    ):
        assert violations_on(page, f"{base}{path}") == [], path
    # Some admin behaviour runs on interaction: the sidebar filter, the changelist actions.
    page.goto(f"{base}/admin/auth/user/")
    page.locator("#action-toggle").check()
    page.locator("#nav-filter").fill("comp")
    assert page.evaluate("window.__violations") == []
    assert not [m for m in messages if "Content Security Policy" in m], messages
