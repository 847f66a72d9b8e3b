"""axe-core on every kind of page, and the Nu HTML Checker on the HTML the server sends.

Both come from npm (package.json at the repo root; `python3 dev.py test` runs `npm ci`). axe is
injected through the DevTools protocol rather than a <script> tag, so the page's CSP stays on.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from calls.models import Company, Membership
from tests.browser.conftest import NODE_MODULES
from tests.conftest import ACME_KEY, need

pytestmark = pytest.mark.browser

AXE = NODE_MODULES / "axe-core" / "axe.min.js"
VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
MISSING_CALL = "no-such-call-0000"

RUN_AXE = """() => axe.run(document, {resultTypes: ['violations']}).then(result =>
  result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary),
  })))"""


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        need("axe-core is not installed (run npm ci)")
    return AXE.read_text()


@pytest.fixture
def ended_call(dashboard) -> dict:
    return dashboard.sim.add_call(ACME_KEY, from_="+14085550199", direction="inbound")


def checked_html(files) -> tuple[list[str], list[dict]]:
    """The Nu HTML Checker's errors on these files ("file:line: message"; htmx's hx-*
    attributes are not HTML's, so the checker's word on them goes), and all it said."""
    java = shutil.which("java")
    if java is None or not VNU.exists():
        need("java and vnu-jar (npm ci) are needed for the HTML checker")
    result = subprocess.run(
        [java, "-jar", VNU, "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    errors = [
        f"{m['url'].rsplit('/', 1)[-1]}:{m.get('lastLine')}: {m['message']}"
        for m in messages
        if m["type"] == "error" and "hx-" not in m["message"]
    ]
    return errors, messages


def serious_violations(page, axe_source: str) -> list[dict]:
    page.evaluate(axe_source)
    violations = page.evaluate(RUN_AXE)
    return [v for v in violations if v["impact"] in ("serious", "critical")]


PAGES = {
    "login": None,
    "list": "/calls/",
    "list-50": "/calls/?limit=50",  # missed, live, withheld and unknown-state rows among them
    "list-upstream-error": "/calls/?state=ended",  # Phone.inc answers 503 for this one
    "list-filtered": "/calls/?phone_number=%28408%29+555-0199&direction=inbound&limit=25",
    "list-form-error": "/calls/?phone_number=call+me+maybe",
    "detail": "/calls/{id}/",
    "detail-search": "/calls/{id}/?q=the",
    "error-missing-call": f"/calls/{MISSING_CALL}/",
    "error-404": "/no/such/page/",
}


@pytest.mark.parametrize("name", PAGES)
def test_it_has_no_serious_accessibility_violations(page, dashboard, ended_call, axe_source, name):
    if PAGES[name] is None:
        page.goto(f"{dashboard.url}/accounts/login/")
    else:
        dashboard.sign_in(page)
        if name == "list-upstream-error":
            dashboard.sim.set_fault(status=503)
        page.goto(dashboard.url + PAGES[name].format(id=ended_call["id"]))
        if name == "list-upstream-error":
            assert page.locator("#results .alert-error").count() == 1
    assert page.locator("h1").count() == 1
    assert serious_violations(page, axe_source) == []


def test_it_stays_accessible_after_htmx_swaps(page, signed_in, ended_call, axe_source):
    page.get_by_label("Phone number").fill("call me maybe")
    page.get_by_label("Phone number").press("Enter")
    page.locator("#results [role=alert]").wait_for()
    assert serious_violations(page, axe_source) == []

    page.get_by_label("Phone number").fill("")
    page.get_by_label("Direction").select_option("inbound")
    page.locator("#results table.calls").wait_for()
    assert serious_violations(page, axe_source) == []


def test_it_serves_valid_html(page, signed_in, ended_call, tmp_path):
    """Errors only; htmx's hx-* attributes are not HTML's, so the checker's word on them goes."""
    logged_out = page.context.browser.new_context()
    try:
        login = logged_out.request.get(f"{signed_in.url}/accounts/login/")
        sources = {"login.html": (login.headers["content-type"], login.body())}
    finally:
        logged_out.close()
    for name, path in {
        "list.html": "/calls/",
        "list-filtered.html": "/calls/?phone_number=%28408%29+555-0199&state=ended",
        "list-form-error.html": "/calls/?phone_number=call+me+maybe",
        "detail.html": f"/calls/{ended_call['id']}/?q=the",
        "error.html": f"/calls/{MISSING_CALL}/",
    }.items():
        response = page.request.get(signed_in.url + path)
        sources[name] = (response.headers["content-type"], response.body())
    files = []
    for name, (content_type, body) in sources.items():
        assert content_type.startswith("text/html"), name
        files.append(tmp_path / name)
        files[-1].write_bytes(body)

    errors, messages = checked_html(files)
    assert errors == []
    # The pages carry hx-* attributes, so a checker that really ran has flagged those.
    assert any("hx-" in m["message"] for m in messages)


@pytest.mark.parametrize("level", ["off", "transcripts"])
def test_the_history_page_has_no_serious_violations(page, dashboard, alice, axe_source, level):
    membership = alice.membership
    membership.role = Membership.ADMIN
    membership.save()
    Company.objects.filter(pk=membership.company_id).update(history=level)
    dashboard.sign_in(page)
    page.goto(f"{dashboard.url}/team/history/")
    assert page.locator("h1").count() == 1
    assert (page.locator("input[readonly]").count() == 1) == (level != "off"), "the hook URL"
    assert serious_violations(page, axe_source) == []
