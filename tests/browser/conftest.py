"""Browser fixtures: one Chromium for the browser tests, a fresh context per test, the live site.

The dashboard runs in pytest-django's live server, pointed at the served simulator; Chromium is
Debian's (`/usr/bin/chromium`), driven by Playwright's sync API. That API keeps an event loop
running in the test thread, so Django's guard against ORM calls from async code is switched off
while the browser is up (fixtures such as `alice` write to the database from this thread).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from calls.simulator import Simulator
from tests.conftest import PASSWORD, need

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Refuse unpartitioned third-party cookies, as Chrome does for many users: the portal
    # test then proves the session works in the frame only thanks to `Partitioned`.
    "--test-third-party-cookie-phaseout",
]
ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "node_modules"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
TIMEOUT_MS = 10_000


@pytest.fixture(scope="package")
def browser():
    """One Chromium for the whole browser package; closed before any other test runs."""
    if not CHROMIUM.exists():
        need(f"Chromium is not installed ({CHROMIUM}; apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


@dataclass
class Dashboard:
    url: str
    sim: Simulator
    simulator_root: str

    def sign_in(self, page, username: str = "alice", next_path: str = "") -> None:
        """Sign in through the login form, as a person would."""
        page.goto(f"{self.url}/accounts/login/{next_path}")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in").click()
        assert "/accounts/login/" not in page.url, f"signing in failed: {page.url}"


@pytest.fixture
def dashboard(live_server, simulator, simulator_server, settings, alice) -> Dashboard:
    """The live dashboard, reading the served simulator, with alice (Acme) able to sign in.

    Recordings redirect to the simulator's origin, so the CSP media-src names it, as
    `manage.py demo` does for its own simulator.
    """
    settings.SECURE_CSP = {
        **settings.SECURE_CSP,
        "media-src": ["'self'", simulator_server.root],
    }
    return Dashboard(live_server.url, simulator, simulator_server.root)


@pytest.fixture
def signed_in(page, dashboard) -> Dashboard:
    dashboard.sign_in(page)
    return dashboard


class _PortalHandler(BaseHTTPRequestHandler):
    """A company intranet page that frames the dashboard (the URL set on the server)."""

    def do_GET(self) -> None:
        body = (
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<title>Acme intranet</title></head><body>"
            "<h1>Acme intranet</h1>"
            f"<iframe src='{self.server.frame_url}' title='Calls'"
            f" style='width:{self.server.frame_width}px;height:760px;border:1px solid #ccc'>"
            "</iframe>"
            "</body></html>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class Portal:
    server: ThreadingHTTPServer

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def frame(self, url: str, width: int = 1200) -> str:
        """The portal's URL, framing `url` in a column `width` CSS px wide."""
        self.server.frame_url = url
        self.server.frame_width = width
        return f"{self.origin}/"


@pytest.fixture
def portal() -> Iterator[Portal]:
    """A portal on 127.0.0.1: another site than the dashboard on localhost."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PortalHandler)
    server.frame_url = "about:blank"
    server.frame_width = 1200
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Portal(server)
    server.shutdown()
    server.server_close()


def screenshot(page, name: str) -> Path:
    """Write tests/browser/screenshots/<name>.png (gitignored) and return its path."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path
