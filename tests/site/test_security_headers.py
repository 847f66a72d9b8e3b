"""Security headers on every kind of response: CSP, framing, HSTS, nosniff, referrer, cookies.

Settings derived from the environment are computed in a clean subprocess (deployed_settings)
and applied here with override_settings, so the tests see what a deployment would send.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.test import Client, override_settings

from calls.sources import window
from tests.conftest import ACME_KEY, PASSWORD
from tests.deployed_settings import parse_csp, run_manage, settings_from_env

PORTAL = "https://portal.example.com"
OTHER_PORTAL = "https://intranet.example.org:8443"


@pytest.fixture(scope="module")
def portal_settings():
    """A deployment embedded by two portals, over HTTPS."""
    return settings_from_env(
        PHONEDASH_HTTPS="1", PHONEDASH_FRAME_ANCESTORS=f"{PORTAL}, {OTHER_PORTAL}"
    )


@pytest.fixture(scope="module")
def https_settings():
    return settings_from_env(PHONEDASH_HTTPS="1")


@pytest.fixture
def ended_call(simulator):
    return simulator.add_call(ACME_KEY, state="ended", summary="Quarterly order")


def responses_of_every_kind(alice_client, admin_client, acme, ended_call):
    """(what, response) for pages, fragments, errors, downloads, redirects, admin and static."""
    anonymous = Client(raise_request_exception=False)
    csrf_client = Client(enforce_csrf_checks=True)
    call = f"/calls/{ended_call['id']}/"
    htmx = {"HX-Request": "true", "HX-Target": "results"}
    yield "list", alice_client.get("/calls/")
    yield "list fragment", alice_client.get("/calls/?state=ended", headers=htmx)
    yield "list with a form error", alice_client.get("/calls/?limit=500")
    yield "detail", alice_client.get(call)
    yield (
        "detail fragment",
        alice_client.get(call, headers={"HX-Request": "true", "HX-Target": "call"}),
    )
    yield "transcript download", alice_client.get(f"{call}transcript.txt")
    yield "recording redirect", alice_client.get(f"{call}recording/")
    yield "unknown call", alice_client.get("/calls/nosuchcall/")
    yield "404", alice_client.get("/no/such/page/")
    yield "405", alice_client.post("/calls/")
    yield "login", anonymous.get("/accounts/login/")
    yield "login failure", anonymous.post("/accounts/login/", {"username": "x", "password": "y"})
    yield "login redirect", anonymous.get("/calls/")
    yield "csrf failure", csrf_client.post("/accounts/login/", {"username": "x", "password": "y"})
    yield "bad host (400)", anonymous.get("/accounts/login/", headers={"Host": "evil.example"})
    yield "healthz", anonymous.get("/healthz")
    yield "readyz", anonymous.get("/readyz")
    yield "static file", anonymous.get("/static/favicon.svg")
    yield "admin index", admin_client.get("/admin/")
    yield "admin change form", admin_client.get(f"/admin/calls/company/{acme.pk}/change/")
    yield "admin login", anonymous.get("/admin/login/")


def test_it_sends_a_strict_csp_on_every_kind_of_response(
    alice_client, admin_client, acme, alice, ended_call, monkeypatch
):
    seen = dict(responses_of_every_kind(alice_client, admin_client, acme, ended_call))
    monkeypatch.setattr(window, "list_calls", _explode)
    crashing = Client(raise_request_exception=False)
    crashing.force_login(alice)
    seen["500"] = crashing.get("/calls/")
    assert seen["500"].status_code == 500
    statuses = {what: response.status_code for what, response in seen.items()}
    assert statuses["csrf failure"] == 403 and statuses["bad host (400)"] == 400, statuses
    for what, response in seen.items():
        assert "Content-Security-Policy" in response.headers, what
        policy = parse_csp(response.headers["Content-Security-Policy"])
        assert policy["default-src"] == ["'self'"], what
        assert policy["script-src"] == ["'self'"], what
        assert policy["style-src"] == ["'self'"], what
        assert policy["object-src"] == ["'none'"], what
        assert policy["base-uri"] == ["'none'"], what
        assert policy["frame-ancestors"] == ["'none'"], what
        assert response.headers.get("X-Frame-Options") == "DENY", what
        assert response.headers.get("X-Content-Type-Options") == "nosniff", what
        assert response.headers.get("Referrer-Policy") in ("same-origin", "no-referrer"), what
        assert "camera=()" in response.headers.get("Permissions-Policy", ""), what


def _explode(*args, **kwargs):
    raise RuntimeError("a bug in phonedash")


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
JS_URL = re.compile(r"(href|src|action)\s*=\s*[\"']?\s*javascript:", re.IGNORECASE)


def inline_code_in(html: str) -> list[str]:
    found = []
    for pattern in (INLINE_SCRIPT, INLINE_STYLE, EVENT_HANDLER, JS_URL):
        found += [match.group(0)[:80] for match in pattern.finditer(html)]
    return found


def test_it_finds_inline_code_when_there_is_some():
    """The detector itself: each kind of inline code is caught, external scripts are not."""
    assert inline_code_in('<script src="/static/x.js" defer></script>') == []
    assert inline_code_in("<script>alert(1)</script>")
    assert inline_code_in('<p style="color:red">')
    assert inline_code_in("<style>p{}</style>")
    assert inline_code_in('<img src=x onerror="alert(1)">')
    assert inline_code_in('<a href="javascript:alert(1)">')


def test_it_has_no_inline_script_style_or_handler_in_any_page(
    alice_client, admin_client, acme, alice, ended_call, django_user_model
):
    """What the CSP forbids must not be needed: our pages and the admin's, rendered."""
    pages = dict(responses_of_every_kind(alice_client, admin_client, acme, ended_call))
    lonely = django_user_model.objects.create_user("nobody", password=PASSWORD)
    loner = Client()
    loner.force_login(lonely)
    pages["no company"] = loner.get("/calls/")
    pages["password change"] = alice_client.get("/accounts/password_change/")
    pages["password changed"] = alice_client.get("/accounts/password_change/done/")
    for url in (
        "/admin/calls/company/",
        "/admin/calls/company/add/",
        "/admin/auth/user/",
        "/admin/auth/user/add/",
        f"/admin/auth/user/{alice.pk}/change/",
        f"/admin/auth/user/{alice.pk}/password/",
        f"/admin/calls/company/{acme.pk}/delete/",
        "/admin/password_change/",
    ):
        pages[url] = admin_client.get(url)
    checked = 0
    for what, response in pages.items():
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        assert response.status_code < 500, what
        assert inline_code_in(response.content.decode()) == [], what
        checked += 1
    assert checked >= 25


def test_it_keeps_templates_free_of_inline_code():
    from tests.deployed_settings import ROOT

    offenders = {
        str(path.relative_to(ROOT)): found
        for path in (ROOT / "templates").rglob("*.html")
        if (found := inline_code_in(path.read_text()))
    }
    assert offenders == {}


def test_it_admits_the_recording_origin_in_media_src(alice_client, simulator_server, ended_call):
    """The detail page's player is redirected to Phone.inc's storage: the CSP must allow it."""
    deployed = settings_from_env(PHONEDASH_HTTPS="0", PHONE_INC_API_URL=simulator_server.url)
    with override_settings(SECURE_CSP=deployed["SECURE_CSP"]):
        page = alice_client.get(f"/calls/{ended_call['id']}/")
        recording = alice_client.get(f"/calls/{ended_call['id']}/recording/")
    assert recording.status_code == 302
    where = urlsplit(recording["Location"])
    media = parse_csp(page.headers["Content-Security-Policy"])["media-src"]
    assert media == ["'self'", f"{where.scheme}://{where.netloc}"]


def test_it_warns_when_the_csp_would_block_playback(
    alice_client, simulator_server, ended_call, caplog
):
    """A recording host missing from media-src fails silently in browsers: the log says so."""
    url = f"/calls/{ended_call['id']}/recording/"
    with override_settings(SECURE_CSP={"media-src": ["'self'", "https://app.phone.inc"]}):
        assert alice_client.get(url).status_code == 302
    assert "add it to PHONEDASH_MEDIA_ORIGINS" in caplog.text
    assert simulator_server.root.split("//")[1] in caplog.text
    caplog.clear()
    with override_settings(SECURE_CSP={"media-src": ["'self'", simulator_server.root]}):
        assert alice_client.get(url).status_code == 302
    assert "PHONEDASH_MEDIA_ORIGINS" not in caplog.text


def test_it_takes_media_origins_from_the_environment():
    default = settings_from_env(PHONE_INC_API_URL="https://api.phone.example:9443/api/v1")
    assert default["SECURE_CSP"]["media-src"] == ["'self'", "https://api.phone.example:9443"]
    configured = settings_from_env(
        PHONEDASH_MEDIA_ORIGINS="https://recordings.phone.example https://cdn.phone.example"
    )
    assert configured["SECURE_CSP"]["media-src"] == [
        "'self'",
        "https://recordings.phone.example",
        "https://cdn.phone.example",
    ]


# --- Framing ---------------------------------------------------------------------------------


def test_it_refuses_framing_by_default(https_settings):
    assert https_settings["SECURE_CSP"]["frame-ancestors"] == ["'none'"]
    assert https_settings["X_FRAME_OPTIONS"] == "DENY"
    assert https_settings["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert https_settings["CSRF_COOKIE_SAMESITE"] == "Lax"


def test_it_allows_exactly_the_configured_portals_to_frame_it(
    portal_settings, alice_client, admin_client, acme, ended_call
):
    assert portal_settings["PHONEDASH_FRAME_ANCESTORS"] == [PORTAL, OTHER_PORTAL]
    with override_settings(**{**portal_settings, "SECURE_SSL_REDIRECT": False}):
        responses = list(responses_of_every_kind(alice_client, admin_client, acme, ended_call))
    for what, response in responses:
        policy = parse_csp(response.headers["Content-Security-Policy"])
        assert policy["frame-ancestors"] == [PORTAL, OTHER_PORTAL], what
        assert "X-Frame-Options" not in response.headers, what


# --- Cookies ---------------------------------------------------------------------------------


def set_cookie_lines(response) -> dict[str, str]:
    """Set-Cookie header values exactly as the WSGI handler writes them."""
    return {name: morsel.output(header="").strip() for name, morsel in response.cookies.items()}


def attributes(line: str) -> set[str]:
    return {part.strip().lower() for part in line.split(";")[1:]}


def sign_in(client: Client, **extra) -> tuple:
    page = client.get("/accounts/login/", **extra)
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD}, **extra)
    return page, response


def test_it_sets_lax_secure_httponly_cookies_without_a_portal(https_settings, alice):
    with override_settings(**https_settings):
        page, response = sign_in(Client(), secure=True)
    assert response.status_code == 302
    csrf = set_cookie_lines(page)["csrftoken"]
    session = set_cookie_lines(response)["sessionid"]
    assert {"samesite=lax", "secure"} <= attributes(csrf)
    assert {"samesite=lax", "secure", "httponly"} <= attributes(session)
    for line in (csrf, session, *set_cookie_lines(response).values()):
        assert "partitioned" not in attributes(line)


def test_it_sets_partitioned_cross_site_cookies_for_a_portal(portal_settings, alice):
    with override_settings(**portal_settings):
        page, response = sign_in(Client(), secure=True)
        logout = Client()
        logout.force_login(alice)
        out = logout.post("/accounts/logout/", secure=True)
    assert response.status_code == 302
    lines = {
        "csrf on the login page": set_cookie_lines(page)["csrftoken"],
        "csrf rotated by the login": set_cookie_lines(response)["csrftoken"],
        "session from the login": set_cookie_lines(response)["sessionid"],
        "session deleted by the logout": set_cookie_lines(out)["sessionid"],
    }
    for what, line in lines.items():
        assert {"samesite=none", "partitioned", "secure"} <= attributes(line), what
    assert "httponly" in attributes(lines["session from the login"])
    assert "max-age=0" in attributes(lines["session deleted by the logout"])


@pytest.mark.django_db(transaction=True)
def test_it_sends_partitioned_cookies_over_real_http(portal_settings, live_server, alice):
    """The raw Set-Cookie bytes a browser receives from a real server, login POST included."""
    import http.client

    with override_settings(**{**portal_settings, "SECURE_SSL_REDIRECT": False}):
        host = urlsplit(live_server.url).netloc
        connection = http.client.HTTPConnection(host, timeout=10)
        connection.request("GET", "/accounts/login/", headers={"X-Forwarded-Proto": "https"})
        page = connection.getresponse()
        page.read()
        csrf_line = page.getheader("Set-Cookie")
        token = re.search(r"csrftoken=([^;]+)", csrf_line).group(1)
        body = f"username=alice&password={PASSWORD}&csrfmiddlewaretoken={token}"
        connection.request(
            "POST",
            "/accounts/login/",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={token}",
                "Origin": f"https://{host}",  # the browser's view: HTTPS at the proxy
                "X-Forwarded-Proto": "https",
            },
        )
        login = connection.getresponse()
        login.read()
        cookies = login.msg.get_all("Set-Cookie")
    assert login.status == 302, cookies
    assert re.search(r"SameSite=None; Partitioned\b", csrf_line)
    session = next(line for line in cookies if line.startswith("sessionid="))
    assert {"samesite=none", "partitioned", "secure", "httponly"} <= attributes(session)
    assert "X-Frame-Options" not in login.msg


# --- HTTPS -----------------------------------------------------------------------------------


def test_it_redirects_to_https_and_sends_hsts(https_settings, alice_client):
    with override_settings(**https_settings):
        plain = alice_client.get("/calls/")
        secure = Client().get("/accounts/login/", secure=True)
        proxied = Client().get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})
        health = Client().get("/healthz")
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    assert secure.status_code == 200 and proxied.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert health.status_code == 200, "load balancers probe health over plain HTTP"


def test_it_passes_check_deploy_with_https():
    for portal in ("", PORTAL):
        result = run_manage(
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
            PHONEDASH_HTTPS="1",
            PHONEDASH_FRAME_ANCESTORS=portal,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "no issues" in result.stdout


def test_it_fails_check_deploy_without_https():
    """The check above could fail: plain HTTP is reported."""
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", PHONEDASH_HTTPS="0")
    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT" in result.stdout + result.stderr


def test_it_reads_the_session_length_from_the_environment():
    assert settings_from_env(PHONEDASH_SESSION_HOURS="2")["SESSION_COOKIE_AGE"] == 7200
