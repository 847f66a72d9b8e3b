"""Every value Phone.inc could send, through every page that shows a call: never a 500.

Each case is one call whose fields sit at an edge (the calendar's, a number's, a string's
length, an odd shape). It is served as given by a canned upstream over real HTTP and viewed
through the list (page and htmx fragment), a call's page and its fragments (the call with its
poll timing, the transcript search, other calls), the transcript download, the recording,
callbacks, insights and the CSV export, for companies at both ends of the world's offsets
(UTC+14 and UTC-12). What the parser drops as unusable (calls.phoneinc.parsing) shows as
unknown and the rest of the call still shows; what is of the wrong shape is a 502 page.
"""

from __future__ import annotations

import copy

import pytest
from django.core.cache import cache

from calls.models import Company, Membership
from tests.canned_upstream import canned_upstream
from tests.conftest import make_company, make_manager

CALL_ID = "extreme1"
BASE = {
    "id": CALL_ID,
    "from": "+14085550777",
    "to": "+14155551234",
    "direction": "inbound",
    "state": "ended",
    "started_at": "2026-05-11T14:02:11Z",
    "answered_at": "2026-05-11T14:02:14Z",
    "duration": 187,
    "summary": "Customer asked about order 1042.",
    "transcription": "Hello, I'm calling about order 1042.",
    "transcription_segments": [
        {"speaker": "Caller", "text": "Hello, I'm calling about order 1042.", "employee_id": None},
        {"speaker": "Alex Wong", "text": "Sure, let me look.", "employee_id": "e1"},
    ],
    "recording_url": None,
    "main_number_id": "mn1",
    "main_number_name": "Sales",
    "main_number": "+14155551234",
    "main_number_formatted": "+1 415-555-1234",
    "employees": [{"id": "e1", "name": "Alex Wong"}],
}
# A second, ordinary call in every list: the extreme one must not take it down with it.
NEIGHBOUR = {**copy.deepcopy(BASE), "id": "neighbour1", "from": "+14085550111"}
BIG = 200_000  # characters: a huge string that still fits the 4 MB answer cap many times


def case(id_: str, **fields) -> pytest.param:
    return pytest.param(fields, id=id_)


# Calls that parse (values kept, or dropped as unusable): every page answers, none is a 500.
SHOWN = [
    # Timestamps: the calendar's edges, offsets at both ends of the world, fractions, forms.
    case("started-year-1", started_at="0001-01-01T00:00:00Z", answered_at=None),
    case("started-year-1-east", started_at="0001-01-01T00:00:00+14:00"),
    case("started-year-1-west", started_at="0001-01-01T00:00:00-12:00"),
    case(
        "started-year-9999",
        started_at="9999-12-31T23:59:59Z",
        answered_at="9999-12-31T23:59:59Z",
    ),
    case("started-year-9999-west", started_at="9999-12-31T23:59:59.999999-12:00"),
    case("started-year-9999-east", started_at="9999-12-31T23:59:59+14:00"),
    case(
        "before-the-epoch",
        started_at="1969-12-31T23:59:59Z",
        answered_at="1969-12-31T23:59:59Z",
    ),
    case("the-epoch", started_at="1970-01-01T00:00:00Z", answered_at="1970-01-01T00:00:03Z"),
    case(
        "last-kept-instant",
        started_at="2199-12-31T23:59:59Z",
        answered_at="2199-12-31T23:59:59Z",
    ),
    case("first-dropped-instant", started_at="2200-01-01T00:00:00Z"),
    case("offset-plus-14", started_at="2026-05-11T14:02:11+14:00", answered_at=None),
    case("offset-minus-12", started_at="2026-05-11T14:02:11-12:00"),
    case(
        "offset-23-59",
        started_at="2026-05-11T14:02:11+23:59",
        answered_at="2026-05-11T14:02:11-23:59",
    ),
    case("nanoseconds", started_at="2026-05-11T14:02:11.123456789Z"),
    case("comma-fraction", started_at="2026-05-11T14:02:11,5Z"),
    case("date-only", started_at="2026-05-11", answered_at="2026-05-11"),
    case("week-date", started_at="2026-W20-1T10:00Z"),
    case("naive", started_at="2026-05-11T14:02:11", answered_at="2026-05-11 14:02:14"),
    case("answered-before-started", answered_at="2020-01-01T00:00:00Z"),
    case("answered-a-century-later", answered_at="2126-05-11T14:02:14Z"),
    case("started-null-answered-set", started_at=None),
    # Durations: nothing, a month, past a month, negative, past a float.
    case("duration-0", duration=0),
    case("duration-30-days", duration=30 * 86400),
    case("duration-30-days-and-a-second", duration=30 * 86400 + 1),
    case("duration-2-to-the-63", duration=2**63),
    case("duration-past-a-float", duration=10**400),
    case("duration-negative", duration=-1),
    case("duration-very-negative", duration=-(10**400)),
    # Live calls at the edges: the page's timers and poll timing.
    case(
        "live-since-the-epoch",
        state="bridged",
        started_at="1970-01-01T00:00:00Z",
        duration=None,
    ),
    case(
        "live-in-year-2199",
        state="bridged",
        started_at="2199-12-31T23:59:59Z",
        duration=None,
    ),
    case("live-year-1", state="answered", started_at="0001-01-01T00:00:00Z", duration=None),
    case("live-huge-duration", state="bridged", duration=10**400),
    case(
        "ended-waiting-since-1970",
        started_at="1970-01-01T00:00:00Z",
        answered_at=None,
        summary=None,
        transcription=None,
        transcription_segments=None,
    ),
    case(
        "ended-waiting-huge-duration",
        duration=10**400,
        summary=None,
        transcription_segments=None,
    ),
    # Ids, directions and states.
    case("id-64-chars", id="a" * 64),
    case("id-65-chars", id="a" * 65),
    case("id-with-path", id="../../etc/passwd?x=<b>"),
    case("id-huge", id="x" * BIG),
    case("id-unicode", id="c\u00e9\u0000ll\u202e"),
    case("direction-upper", direction="OUTBOUND", initiated_by={"id": "e1", "name": "Al"}),
    case("direction-unknown", direction="sideways"),
    case("direction-huge", direction="d" * BIG),
    case("state-upper", state="ENDED"),
    case("state-unknown", state="on_hold"),
    case("state-markup", state="<script>alert(1)</script>"),
    case("state-huge", state="s" * BIG),
    # Numbers and lines.
    case("from-withheld", **{"from": "anonymous"}),
    case("from-null", **{"from": None}),
    case("from-huge", **{"from": "+1" + "4" * BIG}),
    case("from-with-extension", **{"from": "+1 (408) 555-0777 ext. 12#"}),
    case("main-number-odd", main_number="not a number", main_number_formatted="x" * BIG),
    case("main-number-name-huge", main_number_name="N" * BIG),
    # Employees and transcripts of odd shapes and sizes.
    case("employees-empty", employees=[]),
    case(
        "employees-many",
        employees=[{"id": f"e{n}", "name": f"Person {n}"} for n in range(2000)],
    ),
    case("employees-odd", employees=[None, 7, "x", {}, {"id": 5}, {"name": "N" * BIG}]),
    case("initiated-by-odd", direction="outbound", initiated_by={"id": None, "name": None}),
    case(
        "segments-odd",
        transcription_segments=[None, 1, "x", {}, {"text": 5}, {"speaker": []}],
    ),
    case("segments-empty", transcription_segments=[]),
    case(
        "segments-huge",
        transcription_segments=[{"speaker": "S" * BIG, "text": "t" * BIG, "employee_id": "e"}],
    ),
    case(
        "segments-many",
        transcription_segments=[{"speaker": "A", "text": "w"} for _ in range(20_000)],
    ),
    case("summary-huge", summary="s" * BIG, transcription="t" * BIG),
    case("recording-url-odd", recording_url="javascript:alert(1)"),
]

# Calls of the wrong shape: the answer is a bad answer, shown as the 502 page.
REFUSED = [
    case("duration-float", duration=187.5),
    case("duration-integral-float", duration=187.0),
    case("duration-bool", duration=True),
    case("duration-text", duration="187"),
    case("started-not-iso", started_at="yesterday"),
    case("started-offset-24h", started_at="2026-05-11T14:02:11+24:00"),
    case("started-year-0", started_at="0000-01-01T00:00:00Z"),
    case("started-too-long", started_at="2026-05-11T14:02:11." + "1" * 100 + "Z"),
    case("started-number", started_at=1715436131),
    case("id-empty", id=""),
    case("state-empty", state="  "),
    case("direction-number", direction=1),
    case("employees-object", employees={"id": "e1"}),
]

ZONES = ["Pacific/Kiritimati", "Etc/GMT+12"]  # UTC+14 and UTC-12

LIST_PAGES = [
    ("/calls/", {}),
    ("/calls/?limit=50&direction=inbound", {}),
    ("/calls/?phone_number=%2B14085550777", {"HX-Request": "true", "HX-Target": "results"}),
    ("/calls/callbacks/", {}),
    ("/calls/callbacks/", {"HX-Request": "true", "HX-Target": "board"}),
    ("/calls/insights/", {}),
    (
        "/calls/insights/?sort=talk_total&order=desc",
        {"HX-Request": "true", "HX-Target": "employees"},
    ),
    ("/calls/export.csv", {}),
]
CALL_PAGES = [
    ("/calls/{id}/", {}),
    ("/calls/{id}/", {"HX-Request": "true", "HX-Target": "call"}),  # the poll, with its timing
    ("/calls/{id}/?q=w", {"HX-Request": "true", "HX-Target": "transcript"}),
    ("/calls/{id}/", {"HX-Request": "true", "HX-Target": "related"}),
    ("/calls/{id}/transcript.txt", {}),
    ("/calls/{id}/recording/", {}),
]


@pytest.fixture
def manager_client(client, db, django_user_model, settings):
    """An admin of a company whose Phone.inc is a canned upstream; `zone()` sets its zone."""
    company = make_company("Edge Corp", "edge-key")
    user = make_manager(django_user_model, "edgar", company)
    Membership.objects.filter(user=user).update(role=Membership.ADMIN)
    client.force_login(user)
    with canned_upstream() as upstream:
        settings.PHONE_INC_API_URL = upstream.url
        client.upstream = upstream
        client.company = company
        yield client


def in_zone(client, zone: str) -> None:
    Company.objects.filter(pk=client.company.pk).update(timezone=zone)
    cache.clear()  # answers are cached per company, whatever its zone


def visit(client, pages, url_id: str = CALL_ID) -> dict[tuple[str, str | None], object]:
    """Each page's status, or the exception a 500 would have been."""
    seen: dict[tuple[str, str | None], object] = {}
    for path, headers in pages:
        path = path.format(id=url_id)
        try:
            seen[(path, headers.get("HX-Target"))] = client.get(path, headers=headers).status_code
        except Exception as error:  # the test client raises what a 500 would hide
            seen[(path, headers.get("HX-Target"))] = f"{type(error).__name__}: {error}"[:200]
    return seen


SHOWN_FIELDS = [param.values[0] for param in SHOWN]
SHOWN_IDS = [param.id for param in SHOWN]


@pytest.mark.parametrize("zone", ZONES)
def test_it_shows_calls_at_every_edge_on_every_page(manager_client, zone):
    """One list holds every edge case at once (one call must not take the others down), and
    each call's own pages are viewed in turn."""
    in_zone(manager_client, zone)
    served, routes = [], {}
    for n, fields in enumerate(SHOWN_FIELDS):
        call = {**copy.deepcopy(BASE), "id": f"edge{n}", **fields}
        routes[f"edge{n}"] = call  # odd ids cannot be in our URLs: reach them by this one
        served.append(call)
    manager_client.upstream.calls = [*served, NEIGHBOUR]
    manager_client.upstream.routes = routes

    lists = visit(manager_client, LIST_PAGES)
    assert all(status == 200 for status in lists.values()), lists
    page = manager_client.get("/calls/").content.decode()
    assert "neighbour1" in page and "edge1" in page

    failures = {}
    for n, case_id in enumerate(SHOWN_IDS):
        seen = visit(manager_client, CALL_PAGES, f"edge{n}")
        if seen[(f"/calls/edge{n}/", None)] != 200 or any(
            not isinstance(status, int) or status == 500 for status in seen.values()
        ):
            failures[case_id] = seen
    assert not failures, failures


@pytest.mark.parametrize("fields", REFUSED)
def test_it_shows_a_bad_answer_for_a_call_of_the_wrong_shape(manager_client, fields):
    manager_client.upstream.calls = [{**copy.deepcopy(BASE), **fields}, NEIGHBOUR]
    seen = visit(manager_client, LIST_PAGES + CALL_PAGES)
    for (path, target), status in seen.items():
        if target == "related":
            assert status in (200, 204), path
        elif target == "call":
            assert status == 204, path  # a failed poll keeps the call on screen
        else:
            assert status == 502, (path, target, status)
    page = manager_client.get("/calls/").content.decode()
    assert "could not read" in page


def test_it_shows_a_call_whose_transcript_is_of_the_wrong_shape_in_lists_only(manager_client):
    """Lists never read transcripts; the call's own page does, and says it could not."""
    bad = {**copy.deepcopy(BASE), "transcription_segments": "Hello", "transcription": 7}
    manager_client.upstream.calls = [bad, NEIGHBOUR]
    lists = visit(manager_client, LIST_PAGES)
    assert all(status == 200 for status in lists.values()), lists
    response = manager_client.get(f"/calls/{CALL_ID}/")
    assert response.status_code == 502
    assert "could not read" in response.content.decode()


def test_it_drops_unusable_values_and_shows_the_rest_of_the_call(manager_client):
    """A year-9999 start and a duration past any float read as unknown; the call and the
    summary strip show, its average from the calls whose duration is known."""
    odd = {
        **copy.deepcopy(BASE),
        "started_at": "9999-12-31T23:59:59-12:00",
        "duration": 10**400,
        "summary": "The summary still shows.",
    }
    manager_client.upstream.calls = [odd, NEIGHBOUR]
    page = manager_client.get("/calls/").content.decode()
    assert CALL_ID in page and "neighbour1" in page
    assert "3:07" in page  # the neighbour's 187 s, the only known talk time
    detail = manager_client.get(f"/calls/{CALL_ID}/").content.decode()
    assert "The summary still shows." in detail
