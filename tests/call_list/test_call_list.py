"""The call list page: the filter form, htmx fragments, rows, summary strip and error states.

Everything runs against the simulator over real HTTP. Tests that need calls of their own use a
private, frozen simulator (`own_sim`) where Initech starts empty, so counts are exact.
"""

from __future__ import annotations

import re
import time
import types
from dataclasses import dataclass, field
from datetime import timedelta
from html import unescape
from html.parser import HTMLParser

import pytest
from django.test import Client

from calls.answers import store as answers
from calls.phoneinc import PhoneIncClient
from calls.simulator import SEED_COMPANIES, Simulator
from tests.conftest import ACME_KEY, GLOBEX_KEY, make_company, make_manager
from tests.sources.test_window import Clock

INITECH_KEY = next(seed.api_key for seed in SEED_COMPANIES if seed.name == "Initech")
REGULAR = "+14085550199"  # one of Acme's regular callers
HTMX = {"HX-Request": "true", "HX-Target": "results"}


# --- Reading the page -------------------------------------------------------------------------


@dataclass
class Row:
    classes: set[str]
    cells: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    badges: list[tuple[str, str]] = field(default_factory=list)  # (tone class, text)

    @property
    def call_id(self) -> str:
        return next(re.fullmatch(r"/calls/([^/]+)/", h)[1] for h in self.links if "/calls/" in h)


class RowParser(HTMLParser):
    """The rows of the calls table: cell texts, link targets and badges."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Row] = []
        self._in_body = self._in_cell = False
        self._badge: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tbody":
            self._in_body = True
        elif self._in_body and tag == "tr":
            self.rows.append(Row(set((attrs.get("class") or "").split())))
        elif self._in_body and tag == "td":
            self.rows[-1].cells.append("")
            self._in_cell = True
        elif self._in_cell and tag == "a":
            self.rows[-1].links.append(attrs.get("href", ""))
        elif self._in_cell and tag == "span" and "badge" in (attrs.get("class") or ""):
            self._badge = attrs["class"].split()[-1]
            self.rows[-1].badges.append((self._badge, ""))

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_body = False
        elif tag == "td":
            self._in_cell = False
        elif tag == "span":
            self._badge = None

    def handle_data(self, data):
        if self._in_cell and self.rows:
            row = self.rows[-1]
            row.cells[-1] += data
            if self._badge:
                tone, text = row.badges[-1]
                row.badges[-1] = (tone, text + data)


def rows_of(response) -> list[Row]:
    parser = RowParser()
    parser.feed(response.content.decode())
    for row in parser.rows:
        row.cells = [" ".join(cell.split()) for cell in row.cells]
    return parser.rows


def text_of(response) -> str:
    return unescape(response.content.decode())


def field_error(response, name: str) -> str:
    """The error shown beside a form field ("" when none)."""
    match = re.search(
        rf'<p class="field-error" id="id_{name}_error"[^>]*>(.*?)</p>', response.content.decode()
    )
    assert match, f"no error slot for {name}"
    return unescape(match[1])


def stats_of(response) -> dict[str, str]:
    found = re.findall(
        r'<span class="stat-value">([^<]*)</span>\s*([a-z ]+?)\s*</li>', response.content.decode()
    )
    return {label: value for value, label in found}


# --- Fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def own_sim(simulator, settings):
    """A private simulator with a frozen clock; nothing added to it leaks into other tests."""
    sim = Simulator(frozen=True)
    server = sim.serve(port=0)
    settings.PHONE_INC_API_URL = server.url
    yield sim
    server.stop()


@pytest.fixture
def initech(db):
    return make_company("Initech", INITECH_KEY, tz="America/Chicago")


@pytest.fixture
def dana_client(initech, django_user_model, own_sim):
    client = Client()
    client.force_login(make_manager(django_user_model, "dana", initech))
    return client


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    fake = types.SimpleNamespace(time=clock.time, monotonic=time.monotonic, sleep=time.sleep)
    monkeypatch.setattr(answers, "time", fake)
    return clock


def upstream(sim) -> int:
    return sim.request_count("/api/")


# --- The page -------------------------------------------------------------------------------


def test_it_lists_the_ten_most_recent_calls(alice_client, simulator):
    response = alice_client.get("/calls/")
    assert response.status_code == 200
    rows = rows_of(response)
    assert len(rows) == 10
    assert simulator.requests[-1].query == {"limit": "10"}
    assert ACME_KEY not in response.content.decode()


def test_it_sends_anonymous_visitors_to_sign_in(client, simulator):
    response = client.get("/calls/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert upstream(simulator) == 0


def test_it_tells_a_user_without_a_company(client, django_user_model, simulator):
    client.force_login(make_manager(django_user_model, "drifter", None))
    response = client.get("/calls/?phone_number=banana")
    assert response.status_code == 403
    assert "not linked to a company" in text_of(response)
    assert upstream(simulator) == 0


def test_it_never_shows_charlie_acmes_calls(alice, charlie, simulator, simulator_server):
    alice_client, charlie_client = Client(), Client()
    alice_client.force_login(alice)
    charlie_client.force_login(charlie)
    seen_by_alice = {row.call_id for row in rows_of(alice_client.get("/calls/?limit=50"))}
    seen_by_charlie = {row.call_id for row in rows_of(charlie_client.get("/calls/?limit=50"))}
    globex_ids = {
        call.id
        for call in PhoneIncClient(GLOBEX_KEY, base_url=simulator_server.url).list_calls(limit=50)
    }
    assert len(seen_by_alice) == 50 and seen_by_charlie
    assert seen_by_charlie <= globex_ids
    assert not seen_by_charlie & seen_by_alice
    assert [r.company for r in simulator.requests[:2]] == ["Acme Corp", "Globex"]
    acme_call = next(iter(seen_by_alice))
    assert charlie_client.get(f"/calls/{acme_call}/").status_code == 404


def test_it_offers_a_plain_get_form_that_searches_as_you_type(alice_client):
    page = alice_client.get("/calls/").content.decode()
    form = re.search(r'<form id="filters"[^>]*>', page, re.S)[0]
    assert 'method="get"' in form and 'action="/calls/"' in form
    assert 'hx-target="#results"' in form and 'hx-push-url="true"' in form
    assert re.search(r"hx-trigger=\"[^\"]*changed delay:\d+ms from:#id_phone_number", form)
    assert 'hx-indicator="#results"' in form and 'class="loading-bar"' in page
    for name in ["phone_number", "direction", "state", "limit"]:
        assert f'name="{name}"' in page


# --- The filter form ------------------------------------------------------------------------

BAD_INPUT = [
    ({"phone_number": "banana"}, "phone_number", "read “banana” as a phone number"),
    ({"phone_number": "12"}, "phone_number", "read “12” as a phone number"),
    ({"phone_number": "call me maybe"}, "phone_number", "as a phone number"),
    ({"phone_number": "4" * 41}, "phone_number", "at most 40 characters"),
    ({"phone_number": "+1 408\x00555 0199"}, "phone_number", "Null characters"),
    ({"direction": "sideways"}, "direction", "sideways is not one of the available choices"),
    ({"direction": "INBOUND"}, "direction", "not one of the available choices"),
    ({"state": "nope"}, "state", "nope is not one of the available choices"),
    ({"state": "parked"}, "state", "not one of the available choices"),
    ({"limit": "0"}, "limit", "at least 1"),
    ({"limit": "-1"}, "limit", "at least 1"),
    ({"limit": "51"}, "limit", "at most 50"),
    ({"limit": "abc"}, "limit", "whole number"),
    ({"limit": "2.5"}, "limit", "whole number"),
    ({"limit": "²"}, "limit", "whole number"),
    ({"limit": "9" * 30}, "limit", "at most 50"),
]


@pytest.mark.parametrize(("params", "name", "message"), BAD_INPUT)
def test_it_explains_bad_input_beside_the_field_without_asking_upstream(
    alice_client, simulator, params, name, message
):
    response = alice_client.get("/calls/", params)
    assert response.status_code == 400
    assert message in field_error(response, name)
    assert "filters need fixing" in text_of(response)
    assert 'aria-invalid="true"' in response.content.decode()
    assert rows_of(response) == []
    assert upstream(simulator) == 0


@pytest.mark.parametrize(("params", "name", "message"), BAD_INPUT[:1] + BAD_INPUT[5:6])
def test_it_updates_the_field_error_in_an_htmx_swap(alice_client, simulator, params, name, message):
    response = alice_client.get("/calls/", params, headers=HTMX)
    assert response.status_code == 400
    page = response.content.decode()
    assert "<form" not in page
    slot = re.search(rf'<p class="field-error" id="id_{name}_error"[^>]*hx-swap-oob="true"', page)
    assert slot, "the field's error is not swapped out of band"
    assert message in field_error(response, name)
    assert upstream(simulator) == 0


def test_it_clears_field_errors_in_an_htmx_swap(alice_client, simulator):
    response = alice_client.get("/calls/", {"phone_number": REGULAR}, headers=HTMX)
    assert response.status_code == 200
    assert field_error(response, "phone_number") == ""


def test_it_reports_every_bad_field_at_once(alice_client, simulator):
    response = alice_client.get("/calls/?phone_number=x&direction=up&state=nope&limit=0")
    assert response.status_code == 400
    for name in ["phone_number", "direction", "state", "limit"]:
        assert field_error(response, name)
    assert upstream(simulator) == 0


@pytest.mark.parametrize(
    "typed",
    [
        "(408) 555-0199",
        "408.555.0199",
        "408-555-0199",
        "1-408-555-0199",
        "1 (408) 555 0199",
        "+1 408 555 0199",
        "+14085550199",
        "  4085550199  ",
    ],
)
def test_it_reads_us_local_formats_for_a_us_company(alice_client, simulator, typed):
    response = alice_client.get("/calls/", {"phone_number": typed, "limit": "50"})
    assert response.status_code == 200
    assert simulator.requests[-1].query == {"phone_number": REGULAR, "limit": "50"}
    rows = rows_of(response)
    assert len(rows) > 1
    assert {row.cells[1] for row in rows} == {"(408) 555-0199"}
    assert f'value="{typed}"' in text_of(response)  # what the manager typed stays


def test_it_reads_an_international_number(alice_client, simulator):
    response = alice_client.get("/calls/", {"phone_number": "+44 20 7946 0958"})
    assert response.status_code == 200
    assert simulator.requests[-1].query["phone_number"] == "+442079460958"
    rows = rows_of(response)
    assert rows and {row.cells[1] for row in rows} == {"+44 20 7946 0958"}


@pytest.mark.parametrize(
    ("typed", "e164"),
    [("020 7946 0958", "+442079460958"), ("07911 123456", "+447911123456")],
)
def test_it_reads_local_formats_in_the_companys_region(charlie_client, simulator, typed, e164):
    response = charlie_client.get("/calls/", {"phone_number": typed})
    assert response.status_code == 200
    assert simulator.requests[-1].query["phone_number"] == e164


@pytest.mark.parametrize(
    ("region", "typed"),
    [
        ("GB", "020 7"),
        ("DE", "03"),
        ("DE", "030"),
        ("DE", "030 1"),
        ("DE", "030 12"),
        ("AT", "01 5"),
        ("AT", "01 51"),
        ("AT", "01 512"),
        ("DE", "+49 123456789012345"),
    ],
)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_it_explains_a_partial_number_phone_inc_would_refuse(
    client, django_user_model, simulator, region, typed, headers
):
    """phonenumbers calls these "possible" in their region, yet they are no E.164 number
    Phone.inc accepts: the form must say so rather than the client raise (a 500)."""
    company = make_company(f"Firma {region}", INITECH_KEY, region=region, tz="Europe/Berlin")
    client.force_login(make_manager(django_user_model, "erika", company))
    response = client.get("/calls/", {"phone_number": typed}, headers=headers)
    assert response.status_code == 400
    assert "can't read" in field_error(response, "phone_number")
    assert upstream(simulator) == 0


def test_it_shows_a_gb_companys_own_numbers_nationally(charlie_client, simulator):
    rows = rows_of(charlie_client.get("/calls/", {"phone_number": "07911 123456"}))
    assert rows and {row.cells[1] for row in rows} == {"07911 123456"}


def test_it_suggests_a_number_in_the_companys_own_format(charlie_client):
    response = charlie_client.get("/calls/?phone_number=nope")
    assert "e.g. 0121 234 5678" in field_error(response, "phone_number")
    assert 'placeholder="e.g. 0121 234 5678"' in response.content.decode()


def test_it_suggests_a_us_number_to_a_us_company(alice_client):
    response = alice_client.get("/calls/?phone_number=nope")
    assert "e.g. (201) 555-0123" in field_error(response, "phone_number")
    assert 'placeholder="e.g. (201) 555-0123"' in response.content.decode()


def test_it_links_each_party_to_its_own_filter(alice_client, simulator):
    response = alice_client.get("/calls/", {"phone_number": REGULAR})
    links = {link for row in rows_of(response) for link in row.links if "phone_number" in link}
    assert links == {"?phone_number=%2B14085550199"}


def test_it_treats_an_empty_filter_as_no_filter(alice_client, simulator):
    response = alice_client.get("/calls/?phone_number=+&direction=&state=&limit=")
    assert response.status_code == 200
    assert simulator.requests[-1].query == {"limit": "10"}


# --- htmx -----------------------------------------------------------------------------------


def test_it_sends_only_the_results_to_htmx(alice_client, simulator):
    response = alice_client.get("/calls/?direction=inbound", headers=HTMX)
    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<section id="results"')
    assert "<head" not in page and "<form" not in page and "<html" not in page
    assert len(rows_of(response)) == 10
    assert "HX-Request" in response["Vary"]


def test_it_sends_the_whole_page_without_htmx(alice_client):
    response = alice_client.get("/calls/?direction=inbound")
    page = response.content.decode()
    assert "<head>" in page and '<form id="filters"' in page and '<section id="results"' in page
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize(
    "headers",
    [
        {"HX-Request": "true", "HX-Target": "main"},
        {"HX-Request": "true", "HX-Target": "results", "HX-History-Restore-Request": "true"},
        {"HX-Request": "true", "HX-Target": "results", "HX-Boosted": "true"},
    ],
)
def test_it_sends_the_whole_page_for_other_htmx_requests(alice_client, headers):
    page = alice_client.get("/calls/", headers=headers).content.decode()
    assert '<form id="filters"' in page and "<head>" in page
    # One live region: a second, out-of-band copy in a whole page is a duplicate id.
    assert page.count('id="results-status"') == 1


def test_it_updates_the_status_out_of_band_with_the_results(alice_client):
    page = alice_client.get("/calls/", headers=HTMX).content.decode()
    assert re.findall(r'<p id="results-status"[^>]*hx-swap-oob="innerHTML">10 calls shown', page)
    assert page.count('id="results-status"') == 1


@pytest.mark.parametrize(
    ("query", "pushed"),
    [
        ("phone_number=&direction=&state=&limit=10", "/calls/"),
        ("phone_number=%20%20&direction=&state=&limit=", "/calls/"),
        (
            "phone_number=(408)+555-0199&direction=&state=ended&limit=10",
            "/calls/?phone_number=%28408%29+555-0199&state=ended",
        ),
        ("direction=outbound&limit=25", "/calls/?direction=outbound&limit=25"),
        ("embed=1&phone_number=&limit=10", "/calls/?embed=1"),
    ],
)
def test_it_pushes_only_the_filters_in_use_into_the_address_bar(alice_client, query, pushed):
    response = alice_client.get(f"/calls/?{query}", headers=HTMX)
    assert response.status_code == 200
    assert response["HX-Push-Url"] == pushed
    assert "HX-Replace-Url" not in response


def test_it_replaces_the_address_while_a_number_is_being_typed(alice_client):
    headers = {**HTMX, "HX-Current-URL": "http://testserver/calls/?phone_number=408&state=ended"}
    response = alice_client.get("/calls/?phone_number=408+555&state=ended", headers=headers)
    assert response["HX-Replace-Url"] == "/calls/?phone_number=408+555&state=ended"
    assert "HX-Push-Url" not in response
    # A new search, or another filter changed, is a new step in the history.
    other = alice_client.get("/calls/?phone_number=408+555&state=bridged", headers=headers)
    assert other["HX-Push-Url"] == "/calls/?phone_number=408+555&state=bridged"
    fresh = {**HTMX, "HX-Current-URL": "http://testserver/calls/?state=ended"}
    first = alice_client.get("/calls/?phone_number=4&state=ended", headers=fresh)
    assert first["HX-Push-Url"] == "/calls/?phone_number=4&state=ended"


def test_it_pushes_a_link_a_colleague_can_open(alice, bob, simulator):
    alice_client, bob_client = Client(), Client()
    alice_client.force_login(alice)
    bob_client.force_login(bob)
    typed = "/calls/?phone_number=(408)+555-0199&direction=inbound&state=&limit=25"
    swapped = alice_client.get(typed, headers=HTMX)
    shared = bob_client.get(swapped["HX-Push-Url"])
    assert shared.status_code == 200
    assert [r.call_id for r in rows_of(shared)] == [r.call_id for r in rows_of(swapped)]
    assert {r.cells[1] for r in rows_of(shared)} == {"(408) 555-0199"}
    assert 'value="(408) 555-0199"' in text_of(shared)


def test_it_does_not_push_urls_for_plain_requests(alice_client):
    response = alice_client.get("/calls/?phone_number=&limit=10")
    assert "HX-Push-Url" not in response and "HX-Replace-Url" not in response


# --- Rows -------------------------------------------------------------------------------------


def add(sim, minutes_ago: int, **fields):
    started = sim.now() - timedelta(minutes=minutes_ago)
    return sim.add_call(INITECH_KEY, started_at=started, **fields)


@pytest.fixture
def initech_calls(own_sim):
    """A controlled set of calls: the expected figures are worked out by hand below."""
    ended = {"state": "ended"}
    missed = {**ended, "answered_at": None, "employees": [], "summary": None}
    return [
        add(own_sim, 1, direction="inbound", state="bridged", from_="+15125559921"),
        add(own_sim, 2, direction="inbound", state="on_hold", from_="+15125554410"),
        add(own_sim, 3, direction="inbound", duration=60, **ended),
        add(own_sim, 4, direction="inbound", duration=180, **ended),
        add(own_sim, 5, direction="outbound", duration=90, **ended),
        add(own_sim, 6, direction="inbound", duration=None, **missed),
        add(own_sim, 7, direction="inbound", duration=0, **missed),
        add(own_sim, 8, direction="outbound", duration=None, **missed),  # not picked up
        add(own_sim, 9, direction="inbound", duration=30, from_="anonymous", **ended),
        add(own_sim, 10, direction="inbound", duration=3725, from_="", **ended),
    ]


def test_it_sums_up_the_calls_shown(dana_client, initech_calls):
    response = dana_client.get("/calls/")
    assert len(rows_of(response)) == 10
    assert stats_of(response) == {
        "inbound": "8",
        "outbound": "2",
        "missed": "2",
        "answered": "7",
        "live now": "2",
        "average talk time": "13:37",  # (60 + 180 + 90 + 30 + 3725) / 5 = 817 s
    }


def test_it_marks_missed_calls(dana_client, initech_calls):
    rows = rows_of(dana_client.get("/calls/"))
    missed = [row for row in rows if "missed" in row.classes]
    assert [row.call_id for row in missed] == [initech_calls[5]["id"], initech_calls[6]["id"]]
    for row in missed:
        assert ("badge-missed", "Missed") in row.badges
    others = [row for row in rows if "missed" not in row.classes]
    assert not any(badge == ("badge-missed", "Missed") for row in others for badge in row.badges)


def test_it_shows_withheld_numbers_without_a_link(dana_client, initech_calls):
    rows = {row.call_id: row for row in rows_of(dana_client.get("/calls/"))}
    for call in initech_calls[8:10]:
        row = rows[call["id"]]
        assert row.cells[1] == "Withheld number"
        assert not any("phone_number" in link for link in row.links)
    assert "?phone_number=%2B15125559921" in rows[initech_calls[0]["id"]].links


def test_it_gives_an_unknown_state_a_neutral_badge(dana_client, initech_calls):
    rows = {row.call_id: row for row in rows_of(dana_client.get("/calls/"))}
    assert rows[initech_calls[1]["id"]].badges == [("badge-unknown", "On hold")]
    assert rows[initech_calls[0]["id"]].badges == [("badge-active", "In conversation")]
    assert rows[initech_calls[2]["id"]].badges == [("badge-done", "Ended")]


def test_it_shows_durations_and_live_calls(dana_client, initech_calls):
    rows = {row.call_id: row for row in rows_of(dana_client.get("/calls/"))}
    assert rows[initech_calls[2]["id"]].cells[5] == "1:00"
    assert rows[initech_calls[9]["id"]].cells[5] == "1:02:05"
    assert rows[initech_calls[0]["id"]].cells[5] == "live"
    assert "live" in rows[initech_calls[0]["id"]].classes


def test_it_shows_start_times_in_the_companys_zone(dana_client, own_sim, initech_calls):
    page = dana_client.get("/calls/").content.decode()
    started = initech_calls[2]["started_at"]
    assert "3 min ago" in page
    assert re.search(r'<time datetime="[^"]+-0[56]:00" title="[^"]+ C[SD]T">3 min ago</time>', page)
    assert started  # the vendor's UTC timestamp became local time in the page


def test_it_renders_odd_values_from_phone_inc_gracefully(dana_client, own_sim):
    add(own_sim, 1, id="not/a usable id", state="ended", duration=5)
    add(own_sim, 2, direction="sideways", state="ended", duration=5, mood="cheerful")
    own_sim.add_call(
        INITECH_KEY, state="initiated", started_at=None, answered_at=None, main_number_name=None
    )
    response = dana_client.get("/calls/")
    assert response.status_code == 200
    rows = rows_of(response)
    assert len(rows) == 3
    not_started = next(row for row in rows if "Not started" in row.cells[4])
    assert not_started.cells[2] == "—"
    odd_id = next(row for row in rows if not any("/calls/" in link for link in row.links))
    assert odd_id.cells[1] != ""  # shown, just not linked to a detail page
    assert any("Sideways" in row.cells[0] for row in rows)


def test_it_shows_an_empty_account_plainly(dana_client, own_sim):
    response = dana_client.get("/calls/")
    assert response.status_code == 200
    assert rows_of(response) == []
    assert "Phone.inc has no calls for Initech yet" in text_of(response)
    assert 'class="stats"' not in response.content.decode()


def test_it_says_when_no_call_matches_the_filters(alice_client, simulator):
    response = alice_client.get("/calls/", {"phone_number": "+1 212 555 9999"})
    assert response.status_code == 200
    assert rows_of(response) == []
    text = text_of(response)
    assert "No recent call matches these filters" in text
    assert 'href="/calls/">Clear the filters' in text


def test_it_notes_when_the_50_call_cap_is_reached(alice_client):
    response = alice_client.get("/calls/?limit=50")
    assert len(rows_of(response)) == 50
    assert "Showing the 50 most recent matching calls" in text_of(response)
    assert "Show up to 50" not in text_of(response)


def test_it_offers_more_calls_below_the_cap(alice_client):
    response = alice_client.get("/calls/?direction=inbound")
    text = text_of(response)
    assert "Showing the 50 most recent" not in text
    assert 'href="?direction=inbound&limit=50"' in text and "Show up to 50" in text


def test_it_offers_nothing_more_when_all_calls_are_shown(dana_client, initech_calls):
    text = text_of(dana_client.get("/calls/?limit=25"))
    assert "Show up to 50" not in text and "50 most recent" not in text


# --- Upstream failures ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "status", "title", "advice"),
    [
        ({"status": 503}, 503, "Phone.inc is unavailable", "Try again in a moment"),
        ({"status": 500}, 503, "Phone.inc is unavailable", "Try again in a moment"),
        ({"status": 502}, 503, "Phone.inc is unavailable", "Try again in a moment"),
        ({"status": 504}, 503, "Phone.inc is unavailable", "Try again in a moment"),
        ({"malformed": "html"}, 503, "Phone.inc is unavailable", "Try again in a moment"),
        ({"status": 401}, 502, "Phone.inc refused the API key", "Ask your administrator"),
        ({"status": 403}, 502, "Phone.inc refused the API key", "Ask your administrator"),
        ({"malformed": "json"}, 502, "Unreadable answer from Phone.inc", "tell your administrator"),
        ({"malformed": "shape"}, 502, "Unreadable answer from Phone.inc", "Try again"),
        ({"status": 429, "retry_after": 120}, 429, "Too many requests", "Try again in 2 minutes"),
    ],
)
def test_it_explains_each_upstream_failure(alice_client, simulator, fault, status, title, advice):
    simulator.set_fault(**fault)
    for headers in [{}, HTMX]:
        response = alice_client.get("/calls/", headers=headers)
        assert response.status_code == status
        text = text_of(response)
        assert title in text and advice in text
        assert 'role="alert"' in text
        assert ACME_KEY not in text and "nginx" not in text
    if status == 429:
        assert response["Retry-After"] == "120"


def test_it_offers_a_retry_only_when_one_can_help(alice_client, simulator):
    simulator.set_fault(status=503)
    assert "Try again</a>" in text_of(alice_client.get("/calls/"))
    simulator.set_fault(status=401)
    assert "Try again</a>" not in text_of(alice_client.get("/calls/"))


def test_it_gives_up_on_a_slow_phone_inc_within_the_budget(alice_client, simulator, settings):
    settings.PHONEDASH_UPSTREAM_TIMEOUT = 0.5
    settings.PHONEDASH_UPSTREAM_BUDGET = 1.2
    simulator.set_fault(delay=3)
    started = time.monotonic()
    response = alice_client.get("/calls/")
    assert time.monotonic() - started < 2
    assert response.status_code == 503
    assert "Phone.inc took too long to answer" in text_of(response)


def test_it_explains_an_unreachable_phone_inc(alice_client, settings):
    settings.PHONE_INC_API_URL = "http://127.0.0.1:9/api/v1"
    response = alice_client.get("/calls/")
    assert response.status_code == 503
    assert "Phone.inc is not answering" in text_of(response)


def test_it_explains_a_wrong_api_url(alice_client, simulator, simulator_server, settings):
    settings.PHONE_INC_API_URL = simulator_server.root + "/api/v9"
    response = alice_client.get("/calls/")
    assert response.status_code == 502
    assert "Phone.inc API URL" in text_of(response)


def test_it_explains_a_key_phone_inc_does_not_know(client, django_user_model, simulator):
    company = make_company("Umbrella", "sim_umbrella_000000000000000")
    client.force_login(make_manager(django_user_model, "wesker", company))
    response = client.get("/calls/")
    assert response.status_code == 502
    assert "did not accept this company's API key" in text_of(response)
    assert "sim_umbrella" not in text_of(response)


def test_it_shows_the_last_answer_marked_stale_when_phone_inc_fails(
    alice_client, simulator, clock, settings
):
    settings.PHONEDASH_CACHE_SECONDS = 15
    first = rows_of(alice_client.get("/calls/"))
    clock.advance(120)
    simulator.set_fault(status=503)
    response = alice_client.get("/calls/")
    assert response.status_code == 200
    assert [row.call_id for row in rows_of(response)] == [row.call_id for row in first]
    banner = re.search(r'class="[^"]*stale-banner[^"]*"[^>]*>(.*?)</div>', text_of(response), re.S)
    assert banner, "no stale banner"
    assert "2 minutes ago" in banner[1]
    assert "Phone.inc is not answering right now" in banner[1]
    fragment = alice_client.get("/calls/", headers=HTMX)
    assert fragment.status_code == 200 and "stale-banner" in fragment.content.decode()


def test_it_does_not_mark_fresh_answers_stale(alice_client, simulator):
    alice_client.get("/calls/")
    response = alice_client.get("/calls/")
    assert "stale-banner" not in response.content.decode()
    assert upstream(simulator) == 1


def test_it_serves_repeat_views_from_the_cache(alice_client, simulator):
    for _ in range(3):
        assert alice_client.get("/calls/?direction=inbound").status_code == 200
        assert alice_client.get("/calls/?direction=inbound", headers=HTMX).status_code == 200
    assert upstream(simulator) == 1


def test_it_links_a_number_phone_inc_sent_in_local_format(dana_client, own_sim):
    call = add(own_sim, 1, direction="inbound", state="ended", from_="(512) 555-9921")
    row = {row.call_id: row for row in rows_of(dana_client.get("/calls/"))}[call["id"]]
    assert row.cells[1] == "(512) 555-9921"
    assert any("phone_number=" in link for link in row.links), "not withheld: filterable"


def test_a_line_with_no_recent_calls_says_no_calls_match_not_none_yet(alice_client, simulator):
    # Acme has calls, none of them on this number: the filter is what left the list empty.
    response = alice_client.get("/calls/", {"line": "(415) 555-0100"})
    assert response.status_code == 200
    text = text_of(response)
    assert "No matching calls" in text and "No calls yet" not in text
