"""The insights page: figures over the list's calls, the chart, sorting, scope and errors.

Runs against the simulator over real HTTP. The hand-computed window of tests/test_insights.py
is added to a private, frozen simulator where Initech starts empty, so every figure is exact.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from calls.insights import chart
from calls.insights import figures as insights
from calls.models import Membership
from calls.phoneinc import Call
from calls.simulator import SEED_COMPANIES, Simulator
from tests.conftest import make_company, make_manager
from tests.insights.test_figures import window_calls

INITECH_KEY = next(seed.api_key for seed in SEED_COMPANIES if seed.name == "Initech")
NEW_YORK = ZoneInfo("America/New_York")
SALES = "+14155551234"
EMPLOYEES = {"HX-Request": "true", "HX-Target": "employees"}
RESULTS = {"HX-Request": "true", "HX-Target": "results"}


# --- Reading the page -------------------------------------------------------------------------


class Tables(HTMLParser):
    """Every table of a page: its caption and its rows as lists of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self._cell: list[str] | None = None
        self._in_caption = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"caption": "", "rows": []})
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("th", "td") and self.tables:
            self._cell = [""]

    def handle_endtag(self, tag):
        if tag == "caption":
            self._in_caption = False
        elif tag in ("th", "td") and self._cell is not None:
            self.tables[-1]["rows"][-1].append(" ".join(self._cell[0].split()))
            self._cell = None

    def handle_data(self, data):
        if self._in_caption:
            self.tables[-1]["caption"] += data
        elif self._cell is not None:
            self._cell[0] += data


def table(response, caption_start: str) -> list[list[str]]:
    """The body rows of the table whose caption starts so (header row left out)."""
    parser = Tables()
    parser.feed(response.content.decode())
    found = [t for t in parser.tables if t["caption"].strip().startswith(caption_start)]
    assert len(found) == 1, f"no single table captioned {caption_start!r}"
    return found[0]["rows"][1:]


def text_of(response) -> str:
    """The page's words, tags left out (inline ones join their neighbours, as a reader sees)."""
    page = re.sub(r"<(title|svg)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", "", page)).split())


def bars_of(response) -> list[list[tuple[str, int, float]]]:
    """The chart's bars: each a list of (kind, count, height) from the rects drawn."""
    page = response.content.decode()
    svg = re.search(r"<svg class=\"chart\".*?</svg>", page, re.S)[0]
    bars = []
    for group in re.findall(r'<g class="chart-bar">(.*?)</g>', svg, re.S):
        rects = re.findall(
            r'<rect class="bar-(\w+)"[^>]*height="([\d.]+)" data-count="(\d+)"', group
        )
        bars.append([(kind, int(count), float(height)) for kind, height, count in rects])
    return bars


def upstream(sim) -> int:
    return sim.request_count("/api/")


# --- Fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def own_sim(simulator, settings):
    """A private simulator with a frozen clock; nothing added to it leaks into other tests."""
    sim = Simulator(frozen=True, start=datetime(2025, 3, 4, 20, tzinfo=UTC))
    server = sim.serve(port=0)
    settings.PHONE_INC_API_URL = server.url
    yield sim
    server.stop()


@pytest.fixture
def initech(db):
    return make_company("Initech", INITECH_KEY)  # New York time, as the window was worked out


@pytest.fixture
def dana(initech, django_user_model):
    return make_manager(django_user_model, "dana", initech)


@pytest.fixture
def dana_client(dana, own_sim):
    client = Client()
    client.force_login(dana)
    return client


def vendor_fields(call: Call) -> dict:
    """A Call record as the fields the simulator serves it with."""
    person = lambda employee: {"id": employee.id, "name": employee.name}  # noqa: E731
    fields = {
        "id": call.id,
        "from_": call.from_number,
        "to": call.to_number,
        "direction": call.direction,
        "state": call.state,
        "started_at": call.started_at,
        "answered_at": call.answered_at,
        "duration": call.duration,
        "summary": call.summary,
        "main_number_name": call.main_number_name,
        "main_number": call.main_number,
        "employees": [person(employee) for employee in call.employees],
        "initiated_by": person(call.initiated_by) if call.initiated_by else Simulator.OMIT,
        "transcription_segments": [
            {"speaker": s.speaker, "text": s.text, "employee_id": s.employee_id}
            for s in call.segments or ()
        ]
        or None,
    }
    return fields


@pytest.fixture
def seeded(own_sim) -> list[Call]:
    calls = window_calls()
    for call in reversed(calls):
        own_sim.add_call(INITECH_KEY, **vendor_fields(call))
    return calls


# --- The figures --------------------------------------------------------------------------------


def test_it_shows_each_employees_figures(dana_client, seeded):
    response = dana_client.get("/calls/insights/")
    assert response.status_code == 200
    assert table(response, "Employees on these calls") == [
        ["Alex Wong", "3", "2", "1", "3", "17:00", "5:40"],
        ["Priya Patel", "3", "3", "0", "3", "10:00", "5:00"],
        ["Temp Worker", "1", "1", "0", "1", "1:00", "1:00"],
    ]


def test_it_shows_each_lines_figures(dana_client, seeded):
    response = dana_client.get("/calls/insights/")
    assert table(response, "Lines of these calls") == [
        # Support's one missed call was returned 50 minutes later, within the hour.
        ["Support (415) 555-2000", "4", "4", "1", "25%", "0:08", "5:00", "100%", "100%"]
        + ["50 min", "50 min"],
        ["Sales (415) 555-1234", "3", "2", "0", "0%", "0:10", "2:40", "—", "—", "—", "—"],
    ]


def test_it_answers_who_which_line_and_when_at_a_glance(dana_client, seeded):
    text = text_of(dana_client.get("/calls/insights/"))
    assert "Most calls: Alex Wong (3 calls)" in text
    assert "Misses most: Support (1 of 4 inbound, 25%)" in text
    assert "Busiest hour: Tue 4 Mar 12:00–13:00 (2 calls)" in text


def test_it_says_what_it_covers(dana_client, seeded):
    text = text_of(dana_client.get("/calls/insights/"))
    now = datetime.now(UTC)
    first = insights.moment_label(datetime(2025, 3, 4, 16, 30, tzinfo=UTC), NEW_YORK, now)
    last = insights.moment_label(datetime(2025, 3, 4, 19, tzinfo=UTC), NEW_YORK, now)
    assert first.endswith("11:30") and last.endswith("14:00")  # New York time
    assert (
        f"Covers the 7 most recent calls, from {first} to {last}; 1 without a start time." in text
    )


def test_it_draws_bars_as_tall_as_their_counts(dana_client, seeded):
    response = dana_client.get("/calls/insights/")
    bars = bars_of(response)
    assert [[(kind, count) for kind, count, _ in bar] for bar in bars] == [
        [("answered", 1)],
        [("answered", 1), ("missed", 1)],
        [("answered", 1), ("outbound", 1)],
        [("answered", 1)],
    ]
    per_call = chart.PLOT_HEIGHT / 2  # the scale tops at 2, the busiest hour
    assert all(
        height == pytest.approx(count * per_call) for bar in bars for _, count, height in bar
    )
    page = response.content.decode()
    assert re.search(r'<svg class="chart" viewBox="0 0 640 240" width="100%" role="img"', page)
    assert '<title id="chart-title">Calls per hour,' in page
    assert "style=" not in page and "<script>" not in page


def test_it_gives_the_charts_figures_as_a_table(dana_client, seeded):
    rows = table(dana_client.get("/calls/insights/"), "Calls per hour")
    assert rows == [
        ["Tue 4 Mar 11:00–12:00", "1", "0", "0", "1"],
        ["Tue 4 Mar 12:00–13:00", "1", "1", "0", "2"],
        ["Tue 4 Mar 13:00–14:00", "1", "0", "1", "2"],
        ["Tue 4 Mar 14:00–15:00", "1", "0", "0", "1"],
    ]
    assert "1 call without a start time is counted in the tables but not in the chart" in (
        text_of(dana_client.get("/calls/insights/"))
    )


def test_it_says_why_it_shows_no_share_of_words(dana_client, seeded):
    response = dana_client.get("/calls/insights/")
    text = text_of(response)
    assert "Share of words is not shown for the latest calls" in text
    assert "which this view does not load" in text
    assert "Share of words</a>" not in response.content.decode()


def test_it_tells_a_member_without_content_access_why_too(dana, dana_client, seeded):
    Membership.objects.filter(user=dana).update(can_access_content=False)
    text = text_of(dana_client.get("/calls/insights/"))
    assert "your account may not read transcripts" in text


def test_it_renders_an_empty_window(dana_client, own_sim):
    response = dana_client.get("/calls/insights/")
    assert response.status_code == 200
    assert "No calls yet" in text_of(response) and "<svg" not in response.content.decode()


def test_it_renders_a_single_call_without_times_or_duration(dana_client, own_sim):
    own_sim.add_call(
        INITECH_KEY,
        state="ringing_back",
        started_at=None,
        answered_at=None,
        duration=None,
        employees=[],
        main_number_name=None,
        main_number=None,
    )
    response = dana_client.get("/calls/insights/")
    assert response.status_code == 200
    text = text_of(response)
    assert "Covers the most recent call; 1 without a start time." in text
    assert "None of these calls has a start time" in text
    assert table(response, "Lines of these calls") == [["No line", "1", "1", "0", "0%"] + ["—"] * 6]


def test_it_renders_one_call(dana_client, own_sim):
    own_sim.add_call(INITECH_KEY, started_at=datetime(2025, 3, 4, 19, tzinfo=UTC), duration=90)
    response = dana_client.get("/calls/insights/")
    text = text_of(response)
    assert "Covers the most recent call, on " in text
    assert [[(kind, count) for kind, count, _ in bar] for bar in bars_of(response)] == [
        [("answered", 1)]
    ]


# --- Filters, defaults and sorting -----------------------------------------------------------


def test_it_counts_the_fifty_most_recent_calls_by_default(alice_client, simulator):
    response = alice_client.get("/calls/insights/")
    assert response.status_code == 200
    assert simulator.requests[-1].query == {"limit": "50"}
    assert '<option value="50" selected>' in response.content.decode()
    assert "Covers the 50 most recent calls" in text_of(response)


def test_it_takes_the_lists_filters(alice_client, simulator):
    response = alice_client.get("/calls/insights/?phone_number=(408)+555-0199&direction=inbound")
    assert response.status_code == 200
    assert simulator.requests[-1].query == {
        "phone_number": "+14085550199",
        "direction": "inbound",
        "limit": "50",
    }
    assert "inbound calls with (408) 555-0199" in text_of(response)
    alice_client.get("/calls/insights/?limit=10")
    assert simulator.requests[-1].query == {"limit": "10"}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("phone_number=banana", "We can't read “banana” as a phone number"),
        ("limit=51", "Phone.inc returns at most 50 calls"),
        ("state=%3Cscript%3E", "Select a valid choice"),
    ],
)
def test_it_refuses_bad_filters_without_asking_phone_inc(alice_client, simulator, query, message):
    response = alice_client.get(f"/calls/insights/?{query}")
    assert response.status_code == 400
    assert message in text_of(response)
    assert upstream(simulator) == 0


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("sort=salary", "cannot be sorted by “salary”"),
        ("sort=calls&order=sideways", "The order “sideways” is not one we know"),
    ],
)
def test_it_refuses_a_sort_it_does_not_have(alice_client, simulator, query, message):
    response = alice_client.get(f"/calls/insights/?{query}")
    assert response.status_code == 400
    assert message in text_of(response)
    assert upstream(simulator) == 0
    fragment = alice_client.get(f"/calls/insights/?{query}", headers=EMPLOYEES)
    assert fragment.status_code == 400 and 'id="results"' in fragment.content.decode()


def test_it_sorts_employees_by_any_column(dana_client, seeded):
    names = lambda query: [  # noqa: E731
        row[0] for row in table(dana_client.get(f"/calls/insights/?{query}"), "Employees")
    ]
    assert names("sort=name&order=desc") == ["Temp Worker", "Priya Patel", "Alex Wong"]
    assert names("sort=inbound") == ["Priya Patel", "Alex Wong", "Temp Worker"]
    assert names("sort=talk_average&order=asc") == ["Temp Worker", "Priya Patel", "Alex Wong"]


def test_it_links_each_heading_to_its_sort_keeping_the_filters(dana_client, seeded):
    page = dana_client.get("/calls/insights/?direction=inbound&sort=inbound").content.decode()
    links = re.findall(r'<a class="sort-link" href="\?([^"]+)"', page)
    assert len(links) == 7
    assert all(link.startswith("direction=inbound&amp;limit=50&amp;sort=") for link in links)
    assert "sort=inbound&amp;order=asc" in links[2]  # sorted by it now: the link reverses
    assert "sort=calls&amp;order=desc" in links[1]
    assert re.search(r'<th scope="col" class="num" aria-sort="descending"><a[^>]*>Inbound', page)


def test_it_swaps_only_the_table_when_sorting_with_htmx(dana_client, seeded):
    response = dana_client.get("/calls/insights/?sort=name&order=desc", headers=EMPLOYEES)
    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<div id="employees">') and "<h1>" not in page
    assert response["HX-Push-Url"] == "/calls/insights/?sort=name&order=desc"
    assert "HX-Target" in response["Vary"]
    # The filter form keeps the new sort for its next submission.
    assert (
        'id="sort-fields" hx-swap-oob="true"><input type="hidden" name="sort" value="name">' in page
    )


def test_it_swaps_the_results_when_filtering_with_htmx(dana_client, seeded):
    response = dana_client.get("/calls/insights/?direction=inbound&limit=50", headers=RESULTS)
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="results"') and "<h1>" not in page
    assert response["HX-Push-Url"] == "/calls/insights/?direction=inbound"


# --- Links ----------------------------------------------------------------------------------


def test_it_links_to_the_list_and_the_export_of_the_same_calls(dana_client, seeded):
    page = dana_client.get("/calls/insights/?direction=inbound").content.decode()
    assert 'href="/calls/?direction=inbound&amp;limit=50"' in page
    assert 'href="/calls/export.csv?direction=inbound&amp;limit=50" download' in page


def test_it_is_in_the_main_navigation(alice_client, simulator):
    page = alice_client.get("/calls/insights/").content.decode()
    assert '<a href="/calls/insights/" aria-current="page">Insights</a>' in page
    listed = alice_client.get("/calls/").content.decode()
    assert '<a href="/calls/insights/">Insights</a>' in listed


def test_the_lists_summary_links_to_the_insights_of_its_calls(alice_client, simulator):
    page = alice_client.get("/calls/?direction=outbound").content.decode()
    assert 'href="/calls/insights/?direction=outbound&amp;limit=10"' in page


def test_it_keeps_the_embedded_layout_in_its_links(alice_client, simulator):
    page = alice_client.get("/calls/insights/?embed=1").content.decode()
    assert 'href="/calls/?limit=50&amp;embed=1"' in page
    assert 'href="?limit=50&amp;embed=1&amp;sort=name&amp;order=asc"' in page


# --- Safety, tenancy, scope ----------------------------------------------------------------------


def test_it_shows_hostile_names_as_text(dana_client, own_sim):
    own_sim.add_call(
        INITECH_KEY,
        employees=[{"id": "e1", "name": "<script>alert(1)</script>"}],
        main_number_name='=HYPERLINK("http://evil.example","x")',
        main_number=SALES,
    )
    page = dana_client.get("/calls/insights/").content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "=HYPERLINK(&quot;http://evil.example&quot;,&quot;x&quot;)" in page


def test_it_never_shows_charlie_acmes_figures(alice, charlie, simulator):
    alice_client, charlie_client = Client(), Client()
    alice_client.force_login(alice)
    charlie_client.force_login(charlie)
    acme, globex = alice_client.get("/calls/insights/"), charlie_client.get("/calls/insights/")
    acme_names = {row[0] for row in table(acme, "Employees")}
    globex_names = {row[0] for row in table(globex, "Employees")}
    acme_lines = {row[0] for row in table(acme, "Lines")}
    globex_lines = {row[0] for row in table(globex, "Lines")}
    assert acme_names and globex_names and acme_lines and globex_lines
    assert globex_names <= {"Oliver Bennett", "Amelia Clarke", "Harry Evans"}
    assert not acme_names & globex_names and not acme_lines & globex_lines
    assert all(name not in text_of(globex) for name in acme_names | acme_lines)
    assert [r.company for r in simulator.requests] == ["Acme Corp", "Globex"]


def test_it_counts_only_a_limited_members_lines(dana, dana_client, seeded):
    Membership.objects.filter(user=dana).update(lines=["(415) 555-1234"])
    response = dana_client.get("/calls/insights/")
    assert table(response, "Lines of these calls") == [
        ["Sales (415) 555-1234", "3", "2", "0", "0%", "0:10", "2:40", "—", "—", "—", "—"]
    ]
    assert table(response, "Employees on these calls") == [
        ["Alex Wong", "2", "1", "1", "2", "7:00", "3:30"],
        ["Temp Worker", "1", "1", "0", "1", "1:00", "1:00"],
    ]
    text = text_of(response)
    assert "calls on your lines" in text
    assert "most recent company calls" not in text and " 7 " not in text  # nothing of others
    assert "Priya Patel" not in text and "Support" not in text


def test_it_says_when_none_of_the_calls_are_on_a_members_lines(dana, dana_client, seeded):
    Membership.objects.filter(user=dana).update(lines=["+12125557000"])
    response = dana_client.get("/calls/insights/")
    assert response.status_code == 200
    assert "No calls on your lines" in text_of(response)


# --- Phone.inc failures ---------------------------------------------------------------------------


def test_it_shows_phone_inc_failures_with_their_status(alice_client, simulator):
    simulator.set_fault(status=503)
    response = alice_client.get("/calls/insights/")
    assert response.status_code == 503
    assert "alert-error" in response.content.decode()
    simulator.clear_faults()
    simulator.set_fault(status=429, retry_after=30)
    response = alice_client.get("/calls/insights/?direction=inbound")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0


def test_it_reads_the_lists_cached_answer(alice_client, simulator):
    alice_client.get("/calls/?limit=50")
    alice_client.get("/calls/insights/")
    alice_client.get("/calls/insights/?sort=name", headers=EMPLOYEES)
    assert upstream(simulator) == 1


def test_it_replaces_the_address_while_a_number_is_typed(alice_client, simulator):
    typing = {
        **RESULTS,
        "HX-Current-URL": "http://testserver/calls/insights/?phone_number=%2B1408555",
    }
    response = alice_client.get("/calls/insights/?phone_number=%2B14085550", headers=typing)
    assert response["HX-Replace-Url"] == "/calls/insights/?phone_number=%2B14085550"
    assert "HX-Push-Url" not in response
    response = alice_client.get(
        "/calls/insights/?phone_number=%2B14085550&direction=inbound", headers=typing
    )
    assert "HX-Push-Url" in response and "HX-Replace-Url" not in response


def test_it_puts_a_message_where_the_page_shows_messages(alice_client, simulator):
    simulator.set_fault(status=503)
    response = alice_client.get("/calls/insights/?sort=name", headers=EMPLOYEES)
    assert response.status_code == 503
    assert (response["HX-Retarget"], response["HX-Reswap"]) == ("#results", "outerHTML")
    assert response.content.decode().lstrip().startswith('<section id="results"')


def test_a_line_with_no_recent_calls_says_no_calls_match_not_none_yet(alice_client, simulator):
    response = alice_client.get("/calls/insights/", {"line": "(415) 555-0100"})
    assert response.status_code == 200
    text = text_of(response)
    assert "No matching calls" in text and "No calls yet" not in text
