"""Whatever a user or Phone.inc sends: no script runs, no 500, no stray request upstream.

Path tricks in call ids stop before any upstream URL; hostile values in every field Phone.inc
sends are shown as text; every POST needs its CSRF token.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from django.test import Client

from calls.phoneinc import CALL_ID_RE
from calls.simulator import Simulator
from tests.conftest import ACME_KEY, PASSWORD


@pytest.fixture(scope="module")
def served_hostile_simulator():
    sim = Simulator()
    server = sim.serve(host="127.0.0.1", port=0)
    yield sim, server
    server.stop()


@pytest.fixture
def hostile(served_hostile_simulator, simulator, settings):
    """A simulator of our own: the hostile calls added here must not show up in other tests."""
    sim, server = served_hostile_simulator
    sim.clear_faults()
    sim.reset_stats()
    settings.PHONE_INC_API_URL = server.url
    return sim


# --- Active content in rendered HTML -------------------------------------------------------------

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "hx-get", "hx-post", "poster", "data"}


class ActiveContent(HTMLParser):
    """Collects what a browser would run: scripts without src, handlers, javascript: URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.found.append("inline <script>")
        if tag in ("style", "iframe", "object", "embed", "base"):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith(("on", "hx-on")) or name == "style":
                self.found.append(f"{tag} {name}={value!r}")
            if name in URL_ATTRIBUTES and re.match(
                r"\s*(javascript|data|vbscript):", value or "", re.I
            ):
                self.found.append(f"{tag} {name}={value!r}")

    handle_startendtag = handle_starttag


def active_content(html: str) -> list[str]:
    parser = ActiveContent()
    parser.feed(html)
    parser.close()
    return parser.found


def test_it_detects_active_content():
    """The detector could fail: each kind of payload is caught, escaped text is not."""
    assert (
        active_content('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p><script src="/s.js"></script>')
        == []
    )
    assert active_content('<p title="&quot; onerror=alert(1)">x</p>') == []
    assert len(active_content("<script>alert(1)</script>")) == 1
    assert len(active_content('"><img src=x onerror=alert(1)>')) == 1
    assert len(active_content('<a href=" javascript:alert(1)">x</a>')) == 1
    assert len(active_content('<div hx-on:click="alert(1)">')) == 1


PAYLOAD = "\"'><script>alert(1)</script><img src=x onerror=alert(2)>{{7*7}}"
JS_URL = "javascript:alert(3)"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;{{7*7}}"


def hostile_call(marker: str, state: str = f"{PAYLOAD}state") -> dict:
    """Every field Phone.inc documents (and one it does not), each carrying a payload."""
    return {
        "from_": f"{PAYLOAD}{marker}",
        "to": f"{PAYLOAD}to",
        "direction": f"{PAYLOAD}dir",
        "state": state,
        "summary": f"{PAYLOAD}summary",
        "transcription": f"{PAYLOAD}transcription",
        "transcription_segments": [
            {"speaker": f"{PAYLOAD}speaker", "text": f"{PAYLOAD}text", "employee_id": PAYLOAD},
            {"speaker": "Caller", "text": f"{PAYLOAD}caller text"},
        ],
        "main_number_id": f"{PAYLOAD}mnid",
        "main_number_name": f"{PAYLOAD}line",
        "main_number": JS_URL,
        "main_number_formatted": f"{PAYLOAD}formatted",
        "recording_url": JS_URL,
        "employees": [{"id": PAYLOAD, "name": f"{PAYLOAD}employee"}],
        "initiated_by": {"id": PAYLOAD, "name": f"{PAYLOAD}initiator"},
        "x_unknown_field": PAYLOAD,
    }


def test_it_shows_hostile_values_in_the_list_as_text(alice_client, hostile):
    hostile.add_call(ACME_KEY, **hostile_call("list"))
    hostile.add_call(ACME_KEY, id=f"{PAYLOAD}id", **hostile_call("badid"))
    hostile.add_call(ACME_KEY, id=JS_URL.replace(":", "-"), **hostile_call("jsid"))
    for headers in ({}, {"HX-Request": "true", "HX-Target": "results"}):
        response = alice_client.get("/calls/?limit=50", headers=headers)
        assert response.status_code == 200
        html = response.content.decode()
        assert active_content(html) == []
        assert "<script>alert(1)" not in html and "<img src=x" not in html
        for shown in ("line", "employee"):  # the row really rendered the hostile values
            assert f"{ESCAPED}{shown}" in html


def test_it_shows_hostile_values_on_the_detail_page_as_text(alice_client, hostile):
    call = hostile.add_call(ACME_KEY, **hostile_call("detail", state="ended"))
    odd_state = hostile.add_call(ACME_KEY, **hostile_call("state"))
    assert active_content(alice_client.get(f"/calls/{odd_state['id']}/").content.decode()) == []
    for url in (f"/calls/{call['id']}/", f"/calls/{call['id']}/?q=script"):
        response = alice_client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert active_content(html) == []
        for shown in ("summary", "employee", "initiator", "caller text", "formatted"):
            assert f"&gt;{{{{7*7}}}}{shown}" in html, shown
        assert "49" + "summary" not in html, "no template evaluation of upstream text"


def test_it_refuses_a_non_http_recording_url(alice_client, hostile):
    call = hostile.add_call(ACME_KEY, **hostile_call("rec"))
    response = alice_client.get(f"/calls/{call['id']}/recording/")
    assert response.status_code == 502
    assert "Location" not in response


def test_it_serves_the_transcript_download_as_inert_text(alice_client, hostile):
    call = hostile.add_call(ACME_KEY, **hostile_call("txt"))
    response = alice_client.get(f"/calls/{call['id']}/transcript.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")


# --- Call ids that must never reach an upstream URL -----------------------------------------------

TRICKY_IDS = [
    "%2F",
    "a%2Fb",
    "..",
    "%2E%2E",
    "..%2F..%2Fadmin",
    "%2E%2E%2F%2E%2E%2Fcalls",
    ".",
    "a.b",
    "call.json",
    "a%0D%0ASet-Cookie:%20x=1",
    "a%0Ab",
    "a%00b",
    "a%20b",
    "%20abc",
    "a%25b",
    "a%252Fb",
    "a%5Cb",
    "a;b",
    "a:b",
    "a@b",
    "a+b",
    "-abc",
    "_abc",
    "x" * 65,
    "a" + "b" * 64,
    quote("café"),
    quote("\u202eabc"),
    quote("abc\u0430"),  # Cyrillic a
    quote("１２３"),  # fullwidth digits
]


@pytest.mark.parametrize("raw", TRICKY_IDS)
def test_it_stops_a_tricky_call_id_before_phoneinc(alice_client, simulator, raw):
    for suffix in ("", "recording/", "transcript.txt"):
        response = alice_client.get(f"/calls/{raw}/{suffix}")
        assert response.status_code == 404, (raw, suffix)
        assert (
            "Page not found" in response.content.decode()
            or "not found" in response.content.decode()
        )
    assert simulator.request_count() == 0


def test_it_still_asks_phoneinc_about_a_well_formed_unknown_id(alice_client, simulator):
    """The test above could fail: a plausible id does go upstream (and 404s there)."""
    longest = "a" * 64
    assert alice_client.get(f"/calls/{longest}/").status_code == 404
    assert simulator.request_count() == 1
    assert simulator.requests[-1].path == f"/api/v1/calls/{longest}"


# --- Nothing a user sends makes a 500 or an odd upstream request --------------------------------

LIST_QUERIES = [
    "phone_number=",
    "phone_number=abc",
    "phone_number=%2B1",
    "phone_number=%2B99999999999999999999",
    "phone_number=%3Cscript%3E",
    "phone_number=4085550199%0D%0AX-Api-Key:%20x",
    "phone_number=" + "1" * 1000,
    "phone_number=%D9%A1%D9%A2%D9%A3",
    "phone_number=%FF%FE",
    "phone_number=%00",
    "phone_number=(408)%20555-0199&phone_number=%2B442079460958",
    "direction=sideways",
    "direction=INBOUND",
    "direction=inbound%00",
    "state=..%2F",
    "state=ended%20",
    "state=" + "x" * 200,
    "state=hacked&state=ended",
    "limit=0",
    "limit=51",
    "limit=-1",
    "limit=1e3",
    "limit=%C2%B2",
    "limit=NaN",
    "limit=10.5",
    "limit=99999999999999999999999",
    "limit=%EF%BC%91",
    "unknown=1&embed=2",
    "embed=1&next=https://evil.example",
    "q=" + "%" * 10,
    "%" * 5,
    "&&&==",
]


def assert_only_documented_upstream_requests(simulator) -> None:
    for request in simulator.requests:
        if request.path == "/api/v1/calls":
            assert set(request.query) <= {"phone_number", "direction", "state", "limit"}
            assert re.fullmatch(
                r"\+[1-9][0-9]{6,14}", request.query.get("phone_number", "+10000000")
            )
            assert request.query.get("direction", "inbound") in ("inbound", "outbound")
            assert re.fullmatch(r"[a-z_]{1,32}", request.query.get("state", "ended"))
            assert 1 <= int(request.query.get("limit", "10")) <= 50
        else:
            call_id = request.path.removeprefix("/api/v1/calls/")
            assert request.path.startswith("/api/v1/calls/") and CALL_ID_RE.fullmatch(call_id)
            assert request.query == {}


def test_it_answers_any_list_query_without_a_500(alice_client, simulator):
    statuses = {}
    for query in LIST_QUERIES:
        for headers in ({}, {"HX-Request": "true", "HX-Target": "results"}):
            response = alice_client.get(f"/calls/?{query}", headers=headers)
            statuses[query] = response.status_code
            assert response.status_code in (200, 400), (query, response.status_code)
    assert statuses["limit=0"] == 400 and statuses["phone_number=abc"] == 400
    assert_only_documented_upstream_requests(simulator)


HTMX_RESULTS = {"HX-Request": "true", "HX-Target": "results"}


def test_it_answers_odd_requests_without_a_500(alice, simulator):
    call = simulator.add_call(ACME_KEY, state="ended", summary="fine")
    client = Client(raise_request_exception=False)
    client.force_login(alice)
    detail = f"/calls/{call['id']}/"
    odd = [
        ("get", f"{detail}?q=" + "%3Cmark%3E" * 50, {}),
        ("get", f"{detail}?q=%FF%00", {}),
        ("get", detail, {"HX-Request": "true", "HX-Target": "<script>"}),
        ("get", "/calls/", {"HX-Request": "true", "HX-Current-URL": "::::not a url"}),
        # urlsplit() raises on an unclosed IPv6 bracket; the embed switch reads these URLs
        # on every route, before any view.
        ("get", "/calls/", {"HX-Request": "true", "HX-Current-URL": "http://[::1"}),
        ("get", "/calls/?limit=25", {**HTMX_RESULTS, "HX-Current-URL": "http://[?limit=5"}),
        ("get", "/accounts/login/?next=http://[", {}),
        ("get", "/accounts/login/?next=http://[&embed=1", {}),
        ("get", "/healthz?next=http://[x", {}),
        ("get", "/healthz", {"HX-Current-URL": "https://[::1/?embed=1"}),
        (
            "get",
            "/calls/",
            {"HX-Request": "true", "HX-Boosted": "true", "HX-History-Restore-Request": "true"},
        ),
        ("get", "/calls/", {"Sec-Fetch-Dest": "iframe\x7f"}),
        ("get", "/calls/", {"X-Forwarded-For": "not-an-ip, ::1, 999.1.1.1"}),
        ("get", "/calls/", {"X-Forwarded-Proto": "gopher"}),
        ("get", "/calls/", {"Host": "evil.example"}),
        ("get", "/calls/", {"Host": "localhost:99999999"}),
        ("get", "/calls/", {"Accept-Language": "\x00" * 10}),
        ("post", "/calls/", {}),
        ("put", detail, {}),
        ("delete", f"{detail}recording/", {}),
        ("patch", f"{detail}transcript.txt", {}),
        ("options", "/calls/", {}),
        ("head", detail, {}),
        ("trace", "/accounts/login/", {}),
        ("get", "/accounts/login/?next=" + "%0D%0A" * 20, {}),
        ("get", "/accounts/logout/", {}),
        ("get", "/static/../calls/", {}),
        ("get", "/static/%2E%2E/phonedash/settings.py", {}),
        ("get", "/" + "a/" * 500, {}),
    ]
    for method, url, headers in odd:
        response = getattr(client, method)(url, headers=headers)
        assert response.status_code < 500, (method, url, headers, response.status_code)
        assert "SECRET_KEY" not in response.content.decode("utf-8", "replace")
    garbage_session = Client(raise_request_exception=False)
    garbage_session.cookies["sessionid"] = "garbage\x00;" + "x" * 5000
    assert garbage_session.get("/calls/").status_code == 302
    bad_body = Client(raise_request_exception=False).generic(
        "POST",
        "/accounts/login/",
        b"--x\r\nContent-Disposition: form-data; name=\r\n\r\nbroken",
        content_type="multipart/form-data; boundary=x",
    )
    assert bad_body.status_code < 500 and "Content-Security-Policy" in bad_body
    assert_only_documented_upstream_requests(simulator)


# --- CSRF ---------------------------------------------------------------------------------------


def csrf_token_of(client: Client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, url
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)


def strict_client(user=None) -> Client:
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    return client


def assert_refused_for_csrf(response) -> None:
    assert response.status_code == 403
    assert "Form expired" in response.content.decode()


def test_it_requires_csrf_to_sign_in(alice, simulator):
    client = strict_client()
    form = {"username": "alice", "password": PASSWORD}
    assert_refused_for_csrf(client.post("/accounts/login/", form))
    assert_refused_for_csrf(
        client.post("/accounts/login/", {**form, "csrfmiddlewaretoken": "x" * 64})
    )
    token = csrf_token_of(client, "/accounts/login/")
    assert (
        client.post("/accounts/login/", {**form, "csrfmiddlewaretoken": token}).status_code == 302
    )


def test_it_requires_csrf_to_sign_out(alice, simulator):
    client = strict_client(alice)
    assert_refused_for_csrf(client.post("/accounts/logout/"))
    assert client.get("/calls/").status_code == 200, "still signed in"
    token = csrf_token_of(client, "/accounts/password_change/")
    assert client.post("/accounts/logout/", {"csrfmiddlewaretoken": token}).status_code == 302
    assert client.get("/calls/").status_code == 302, "signed out"


def test_it_requires_csrf_to_change_a_password(alice, simulator):
    client = strict_client(alice)
    form = {
        "old_password": PASSWORD,
        "new_password1": "a-new-long-pass-9",
        "new_password2": "a-new-long-pass-9",
    }
    assert_refused_for_csrf(client.post("/accounts/password_change/", form))
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)
    token = csrf_token_of(client, "/accounts/password_change/")
    response = client.post("/accounts/password_change/", {**form, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("a-new-long-pass-9")


def test_it_requires_csrf_in_the_admin(admin_user, acme):
    client = strict_client()
    assert_refused_for_csrf(
        client.post("/admin/login/", {"username": "admin", "password": "password"})
    )
    client.force_login(admin_user)
    form = {"name": "Renamed", "api_key": "", "region": "US", "timezone": "UTC"}
    assert_refused_for_csrf(client.post(f"/admin/calls/company/{acme.pk}/change/", form))
    acme.refresh_from_db()
    assert acme.name == "Acme Corp"
    token = csrf_token_of(client, f"/admin/calls/company/{acme.pk}/change/")
    changed = client.post(
        f"/admin/calls/company/{acme.pk}/change/", {**form, "csrfmiddlewaretoken": token}
    )
    assert changed.status_code == 302
    acme.refresh_from_db()
    assert acme.name == "Renamed"


def test_it_accepts_the_htmx_header_token(alice, simulator):
    """Pages put the token in hx-headers on <body>, so an htmx POST would carry it."""
    client = strict_client(alice)
    page = client.get("/calls/").content.decode()
    token = re.search(r"hx-headers='\{\"X-CSRFToken\": \"([^\"]+)\"\}'", page).group(1)
    assert client.post("/accounts/logout/", headers={"X-CSRFToken": token}).status_code == 302
