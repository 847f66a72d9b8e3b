"""Every page on a phone and in a portal's narrow column, in light and dark, on paper, and
without motion for those who ask.

Each test walks all the pages in one browser context (signed in once), so the widths, colour
schemes and media add seconds, not minutes.
"""

from __future__ import annotations

import os
import shutil

import pytest

from calls.models import Membership
from tests.browser.conftest import ROOT, SCREENSHOTS, TIMEOUT_MS
from tests.browser.test_accessibility import AXE
from tests.conftest import ACME_KEY, PASSWORD, need

pytestmark = pytest.mark.browser

WIDTHS = [320, 360, 390]
MISSING_CALL = "no-such-call-0000"
SEGMENTS = [
    {"speaker": "Alex Wong", "text": "Acme support, Alex speaking.", "employee_id": "e-alex"},
    {"speaker": "Caller", "text": "My order 4411 never arrived.", "employee_id": None},
    {
        "speaker": "Alex Wong",
        "text": "Sorry about that; a new one ships today.",
        "employee_id": "e-alex",
    },
    {"speaker": "Caller", "text": "Thanks, that's all.", "employee_id": None},
]
# Every page a signed-in admin reaches; {id} is an ended call with a transcript, {member} alice.
PAGES = {
    "list": "/calls/?limit=50",
    "detail": "/calls/{id}/",
    "password change": "/accounts/password_change/",
    "error": f"/calls/{MISSING_CALL}/",
    "callbacks": "/calls/callbacks/",
    "insights": "/calls/insights/",
    "team": "/team/",
    "team member": "/team/{member}/",
    "team add": "/team/add/",
    "audit": "/audit/",
}
LATE = {"detail", "callbacks"}
# Every link in a table row, scrolled to: inside the viewport, not covered, 24 px or more.
ROW_LINKS = """() => [...document.querySelectorAll('main tbody tr a')].map(a => {
  a.scrollIntoView({block: 'center', inline: 'nearest'});
  const r = a.getBoundingClientRect();
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  const hit = document.elementFromPoint(x, y);
  const problems = [];
  if (r.left < 0 || r.right > innerWidth || r.top < 0 || r.bottom > innerHeight)
    problems.push('outside the viewport');
  if (!hit || !(hit === a || a.contains(hit)))
    problems.push('covered by ' + (hit && hit.outerHTML.slice(0, 60)));
  if (r.height < 24 || r.width < 24)
    problems.push(`${r.width.toFixed(0)}x${r.height.toFixed(0)} px`);
  return problems.length ? a.textContent.trim().slice(0, 40) + ': ' + problems.join(', ') : null;
}).filter(Boolean)"""
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"
RUN_AXE = """() => axe.run(document, {resultTypes: ['violations'],
    rules: {'target-size': {enabled: true}}}).then(result =>
  result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v =>
    v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')))"""
BACKGROUND_LUMINANCE = """() => {
  const [r, g, b] = getComputedStyle(document.body).backgroundColor.match(/\\d+/g).map(Number);
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}"""


@pytest.fixture
def simulator(fresh_simulator):
    """A simulator of this module's own: the calls its tests add stay out of later tests."""
    return fresh_simulator


@pytest.fixture
def transcribed_call(dashboard) -> dict:
    return dashboard.sim.add_call(
        ACME_KEY,
        from_="+14085550199",
        direction="inbound",
        duration=95,
        summary="The caller's order 4411 never arrived; Alex sent a new one.",
        transcription=" ".join(segment["text"] for segment in SEGMENTS),
        transcription_segments=SEGMENTS,
    )


@pytest.fixture
def admin(alice):
    """alice runs Acme's team, so the team and audit pages open for her too."""
    Membership.objects.filter(user=alice).update(role=Membership.ADMIN)
    return alice


@pytest.fixture
def ids(admin, transcribed_call) -> dict[str, str]:
    """What the page paths name: the transcribed call, alice's membership."""
    return {"id": transcribed_call["id"], "member": str(admin.membership.pk)}


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        need("axe-core is not installed (run npm ci)")
    return AXE.read_text()


def new_page(browser, width: int, **options):
    context = browser.new_context(
        viewport={"width": width, "height": 760}, locale="en-US", **options
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context, context.new_page()


def sign_in(target, url: str) -> None:
    """Sign in on the login page `target` (a page or a frame) shows."""
    target.get_by_label("Username").fill("alice")
    target.get_by_label("Password").fill(PASSWORD)
    target.get_by_role("button", name="Sign in").click()
    target.wait_for_url(lambda at: "/accounts/login/" not in at)


def settle(target, name: str) -> None:
    """Wait for what a page fetches after it shows (a call's other calls, the board's checks)."""
    if name in LATE:
        target.wait_for_load_state("networkidle")


def layout_problems(target, name: str) -> list[str]:
    problems = []
    overflow = target.evaluate(OVERFLOW)
    if overflow > 0:
        problems.append(f"{name}: the page scrolls {overflow} px sideways")
    problems += [f"{name}: {problem}" for problem in target.evaluate(ROW_LINKS)]
    return problems


@pytest.mark.parametrize("width", WIDTHS)
def test_it_fits_every_page_into_a_narrow_screen(
    browser, dashboard, admin, transcribed_call, ids, width
):
    context, page = new_page(browser, width)
    try:
        page.goto(f"{dashboard.url}/accounts/login/")
        problems = layout_problems(page, "login")
        sign_in(page, dashboard.url)
        for name, path in PAGES.items():
            page.goto(dashboard.url + path.format(**ids))
            settle(page, name)
            problems += layout_problems(page, name)
        # The list's rows keep their parts on a card; their links are real click targets.
        page.goto(f"{dashboard.url}/calls/")
        row = page.locator("#results tbody tr").first
        for part in (
            "td.direction",
            "td.party",
            "td.state",
            "td.started",
            "td.num",
            "td.details a",
        ):
            assert row.locator(part).is_visible(), part
        row.locator("td.details a").click(trial=True)
        page.locator("#results tbody tr").last.locator("td.details a").click(trial=True)
    finally:
        context.close()
    assert problems == [], f"at {width} px"


def test_it_keeps_table_semantics_in_the_narrow_layout(browser, dashboard, admin):
    """The cards are a table to assistive technology: the roles the script sets (on the list and
    the callbacks board), and those in the browser's own accessibility tree, empty cells too."""
    context, page = new_page(browser, 360)
    try:
        page.goto(f"{dashboard.url}/accounts/login/")
        sign_in(page, dashboard.url)
        assert page.locator("table.calls").evaluate("t => getComputedStyle(t).display") == "block"
        page.get_by_label("Direction").select_option("inbound")  # htmx swaps in new rows
        page.wait_for_function("() => location.search.includes('direction=inbound')")
        page.locator("#results tbody tr").first.wait_for()
        assert page.locator("table.calls[role=table] tbody[role=rowgroup]").count() == 1
        rows = page.locator("#results tbody tr")
        assert rows.count() == page.locator("#results tbody tr[role=row]").count() == 10
        assert page.locator("#results tbody td:not([role=cell])").count() == 0
        cdp = context.new_cdp_session(page)
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
        # The callbacks board restacks its rows too.
        page.goto(f"{dashboard.url}/calls/callbacks/")
        page.wait_for_load_state("networkidle")  # older calls are checked after the page
        board = page.locator("table.callbacks tbody tr")
        assert board.count() > 0
        assert board.first.evaluate("tr => getComputedStyle(tr).display") == "flex"
        assert page.locator("table.callbacks tbody tr:not([role=row])").count() == 0
        header = page.locator("table.callbacks tbody th[scope=row]:not([role=rowheader])")
        assert header.count() == 0
        assert page.locator("table.callbacks tbody td:not([role=cell])").count() == 0
    finally:
        context.close()
    roles = [node.get("role", {}).get("value") for node in nodes if not node.get("ignored")]
    assert roles.count("table") >= 1
    assert roles.count("row") == 11  # the header row and ten calls
    assert roles.count("columnheader") == 8
    assert roles.count("cell") == 80


@pytest.mark.parametrize("mode", ["light", "dark", "?theme=dark"])
def test_it_has_no_serious_accessibility_violations_on_a_phone(
    browser, dashboard, admin, transcribed_call, ids, axe_source, mode
):
    scheme = "light" if mode == "?theme=dark" else mode
    context, page = new_page(browser, 360, color_scheme=scheme)
    forced = mode.startswith("?")
    found = {}
    try:
        page.goto(f"{dashboard.url}/accounts/login/{'?theme=dark' if forced else ''}")
        page.evaluate(axe_source)
        found["login"] = page.evaluate(RUN_AXE)
        sign_in(page, dashboard.url)
        for name, path in PAGES.items():
            page.goto(dashboard.url + path.format(**ids))
            settle(page, name)
            if forced:  # the theme given once to the login page holds on every page after
                assert page.locator("html").get_attribute("data-theme") == "dark", name
            dark = page.evaluate(BACKGROUND_LUMINANCE) < 0.2
            assert dark == (mode != "light"), f"{name}: the background is not {mode}"
            page.evaluate(axe_source)
            found[name] = page.evaluate(RUN_AXE)
    finally:
        context.close()
    assert {name: v for name, v in found.items() if v} == {}


def test_it_fits_a_portals_narrow_column_in_its_theme(
    page, dashboard, admin, transcribed_call, ids, portal, settings, axe_source
):
    settings.PHONEDASH_FRAME_ANCESTORS = [portal.origin]
    settings.SECURE_CSP = {**settings.SECURE_CSP, "frame-ancestors": [portal.origin]}
    settings.SESSION_COOKIE_SAMESITE = settings.CSRF_COOKIE_SAMESITE = "None"
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    page.set_viewport_size({"width": 420, "height": 860})
    page.goto(portal.frame(f"{dashboard.url}/calls/?theme=dark", width=360))
    frame = page.frames[1]
    frame.get_by_label("Username").wait_for()
    assert frame.evaluate("innerWidth") == 360
    problems = layout_problems(frame, "login")
    sign_in(frame, dashboard.url)
    frame.locator("#results tbody tr").first.wait_for()
    assert frame.locator("html").get_attribute("data-theme") == "dark"
    problems += layout_problems(frame, "list")

    frame.get_by_label("Direction").select_option("inbound")  # htmx swaps the results
    frame.wait_for_function("() => location.search.includes('direction=inbound')")
    frame.locator(f"a[href^='/calls/{transcribed_call['id']}/']").click()
    frame.locator(".turns").wait_for()
    assert frame.locator("html").get_attribute("data-theme") == "dark", "lost on the way"
    assert frame.evaluate(BACKGROUND_LUMINANCE) < 0.2
    problems += layout_problems(frame, "detail")
    frame.evaluate(axe_source)
    violations = {"detail": frame.evaluate(RUN_AXE)}
    for name, path in PAGES.items():  # the frame says Sec-Fetch-Dest: iframe, so all embedded
        frame.goto(dashboard.url + path.format(**ids))
        settle(frame, name)
        assert frame.locator("body.embedded").count() == 1, name
        problems += layout_problems(frame, name)
        if name in ("list", "callbacks", "insights"):  # the others: dark at 360 px above
            frame.evaluate(axe_source)
            violations[name] = frame.evaluate(RUN_AXE)
    assert problems == []
    assert {name: v for name, v in violations.items() if v} == {}
    theme = next(c for c in page.context.cookies() if c["name"] == "phonedash_theme")
    assert theme["sameSite"] == "None" and theme["secure"]


def test_it_prints_a_call_with_its_whole_transcript(page, signed_in, transcribed_call):
    page.set_viewport_size({"width": 720, "height": 1000})
    page.goto(f"{signed_in.url}/calls/{transcribed_call['id']}/")
    page.emulate_media(media="print", color_scheme="dark")
    for hidden in ("header.site-header", "nav", "form", "audio", ".button", ".back"):
        shown = [el for el in page.locator(hidden).all() if el.is_visible()]
        assert shown == [], f"{hidden} prints"
    turns = page.locator(".turns .turn")
    assert turns.count() == len(SEGMENTS)
    assert all(turn.is_visible() for turn in turns.all())
    assert page.locator(".turns").evaluate("el => el.scrollHeight <= el.clientHeight + 1")
    assert page.locator(".facts").is_visible() and page.locator(".summary").is_visible()
    facts, transcript = (page.locator(s).bounding_box()["y"] for s in (".facts", "#transcript"))
    assert facts < transcript
    assert page.evaluate(BACKGROUND_LUMINANCE) > 0.9, "paper is light, even in dark mode"

    page.emulate_media(media="print")
    page.goto(f"{signed_in.url}/calls/")
    assert page.locator("table.calls").evaluate("t => getComputedStyle(t).display") == "table"
    assert not page.locator("#filters").is_visible()


def test_it_holds_the_loading_bar_and_live_dot_still_for_reduced_motion(page, signed_in):
    live = signed_in.sim.add_live_call(ACME_KEY, from_="+14085550123", direction="inbound")
    page.goto(f"{signed_in.url}/calls/{live['id']}/")
    dot = page.locator(".live-dot")
    page.evaluate("document.querySelector('#main').classList.add('htmx-request')")
    page.evaluate(
        "document.querySelector('#main').insertAdjacentHTML('beforeend',"
        ' \'<div class="loading-bar" id="probe"></div>\')'
    )
    bar = page.locator("#probe")
    animation = "el => getComputedStyle(el).animationName"
    assert dot.evaluate(animation) == "live-pulse"
    assert bar.evaluate(animation) == "loading"
    page.emulate_media(reduced_motion="reduce")
    assert dot.evaluate(animation) == "none"
    assert bar.evaluate(animation) == "none"


def test_it_keeps_a_forced_theme_and_ignores_a_bad_one(page, signed_in):
    page.goto(f"{signed_in.url}/calls/?theme=purple")
    assert page.locator("html").get_attribute("data-theme") is None
    page.goto(f"{signed_in.url}/calls/?theme=dark")
    field = page.get_by_label("Phone number")
    assert field.evaluate("el => getComputedStyle(el).colorScheme") == "dark"
    page.get_by_label("State").select_option("ended")  # an htmx swap of the results
    page.wait_for_function("() => location.search.includes('state=ended')")
    with page.expect_navigation():
        page.locator("#results td.details a").first.click()
    assert page.locator("html").get_attribute("data-theme") == "dark"
    page.goto(f"{signed_in.url}/calls/?theme=auto")
    assert page.locator("html").get_attribute("data-theme") is None
    assert page.evaluate(BACKGROUND_LUMINANCE) > 0.9


DOCS = ROOT / "docs"
# name: (path, colour scheme, what to scroll to first)
SHOTS = {
    "phone-list": ("/calls/", "light", "#results .stats"),
    "phone-call": ("/calls/{id}/", "light", None),
    "phone-dark": ("/calls/?limit=25", "dark", "#results tr.missed"),
}


def test_it_takes_the_phone_screenshots(browser, dashboard, transcribed_call):
    """390 x 844 px screenshots; PHONEDASH_DOCS_SCREENSHOTS=1 also copies them into docs/."""
    SCREENSHOTS.mkdir(exist_ok=True)
    dashboard.sim.add_call(  # a missed call among the first, for the dark view's red edge
        ACME_KEY, from_="+13125550147", direction="inbound", answered_at=None, duration=0
    )
    written = []
    context, page = new_page(browser, 390)
    try:
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{dashboard.url}/accounts/login/")
        sign_in(page, dashboard.url)
        for name, (path, scheme, scroll_to) in SHOTS.items():
            page.emulate_media(color_scheme=scheme)
            page.goto(dashboard.url + path.format(id=transcribed_call["id"]))
            page.wait_for_load_state("networkidle")  # what loads after the page, too
            if scroll_to:
                page.locator(scroll_to).first.evaluate("el => el.scrollIntoView({block: 'center'})")
            page.evaluate("document.fonts.ready")
            written.append(SCREENSHOTS / f"{name}.png")
            page.screenshot(path=written[-1])
    finally:
        context.close()
    assert all(shot.stat().st_size > 10_000 for shot in written)
    if os.environ.get("PHONEDASH_DOCS_SCREENSHOTS") == "1":
        for shot in written:
            shutil.copyfile(shot, DOCS / f"screenshot-{shot.name}")
