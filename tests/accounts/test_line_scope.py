"""A member limited to some lines, or refused recordings and transcripts, on every call page.

Sam manages Acme's Sales line only; Nia sees every line but may not play recordings or read
transcripts. A call on another line is a 404 exactly like another company's call, decided
before any recording link is asked for; refused content is a 403 and asks Phone.inc nothing.
"""

from __future__ import annotations

import re

import pytest

from calls.models import AuditEvent
from calls.sources import CallQuery, source_for
from tests.conftest import ACME_KEY, make_manager

SALES = {
    "main_number_name": "Sales",
    "main_number": "+14155551234",
    "main_number_formatted": "+1 415-555-1234",
}
SUPPORT = {
    "main_number_name": "Support",
    "main_number": "+14155552000",
    "main_number_formatted": "+1 415-555-2000",
}
REGULAR = "+12065550123"
MISSING_ID = "0193f4ba-0000-7c00-9e3d-2b2b8a7f1c99"
HTMX_TRANSCRIPT = {"HX-Request": "true", "HX-Target": "transcript"}
HTMX_RELATED = {"HX-Request": "true", "HX-Target": "related"}


@pytest.fixture
def simulator(fresh_simulator):
    return fresh_simulator


@pytest.fixture
def sam(acme, django_user_model):
    """Sales only; his line is stored as he typed it, in the region's local format."""
    user = make_manager(django_user_model, "sam", acme)
    user.membership.lines = ["(415) 555-1234"]
    user.membership.save()
    return user


@pytest.fixture
def nia(acme, django_user_model):
    user = make_manager(django_user_model, "nia", acme)
    user.membership.can_access_content = False
    user.membership.save()
    return user


@pytest.fixture
def sam_client(client, sam, simulator):
    client.force_login(sam)
    return client


@pytest.fixture
def nia_client(client, nia, simulator):
    client.force_login(nia)
    return client


@pytest.fixture
def sales_call(simulator):
    return simulator.add_call(ACME_KEY, from_=REGULAR, **SALES)


@pytest.fixture
def support_call(simulator):
    return simulator.add_call(ACME_KEY, from_=REGULAR, **SUPPORT)


def detail_requests(sim, call_id: str) -> int:
    return sum(1 for request in sim.requests if request.path == f"/api/v1/calls/{call_id}")


def lines_of(response) -> list[str]:
    return [call.main_number_name for call in response.context["calls"]]


def test_it_lists_only_the_members_lines_and_says_so(
    sam_client, alice, client, simulator, sales_call, support_call
):
    simulator.add_call(ACME_KEY, **{**SALES, "main_number": "(415) 555-1234"})  # local format
    limited = sam_client.get("/calls/", {"limit": 50})
    client.force_login(alice)
    everything = client.get("/calls/", {"limit": 50})

    assert limited.status_code == everything.status_code == 200
    sales_rows = lines_of(everything).count("Sales")
    assert set(lines_of(limited)) == {"Sales"}
    assert len(lines_of(limited)) == sales_rows >= 3
    assert "Support" in lines_of(everything)
    page = limited.content.decode()
    assert page.count(">Sales</td>") == sales_rows and ">Support</td>" not in page
    # What their lines hold, never how many calls the company's other lines had.
    note = f"their {sales_rows} most recent calls"
    assert f'Your lines: <span class="nowrap">Sales +1 415-555-1234</span> — {note}' in page
    assert "company calls" not in page
    assert "Your lines" not in everything.content.decode()


def test_it_filters_the_window_after_one_fetch_shared_with_the_company(
    sam_client, alice, client, simulator, sales_call
):
    sam_client.get("/calls/", {"limit": 50})
    client.force_login(alice)
    client.get("/calls/", {"limit": 50})

    lists = [r for r in simulator.requests if r.path == "/api/v1/calls"]
    assert len(lists) == 1  # one answer per company and parameters, never one per member


def test_it_never_serves_a_scoped_window_to_an_unscoped_member_or_back(
    alice, sam, client, simulator, sales_call, support_call
):
    counts = []
    for user in (alice, sam, alice, sam):  # warm memos in between, same cached answer
        client.force_login(user)
        counts.append(client.get("/calls/").content.decode().count(">Details<span"))
    assert counts[0] == counts[2] > counts[1] == counts[3] >= 1


def test_a_query_on_a_members_lines_keeps_only_their_calls(acme, simulator, sales_call):
    listing = source_for(acme).list(CallQuery(limit=50, lines=frozenset({"+14155551234"})))
    assert listing.calls and all(call.main_number == "+14155551234" for call in listing.calls)
    assert len(listing.window) > len(listing.calls), "the company's answer is kept beside them"
    everyone = source_for(acme).list(CallQuery(limit=50))
    assert everyone.calls == everyone.window


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/calls/{id}/", {}),
        ("/calls/{id}/", {"HX-Request": "true", "HX-Target": "call"}),
        ("/calls/{id}/recording/", {}),
        ("/calls/{id}/transcript.txt", {}),
    ],
)
def test_it_answers_404_for_another_lines_call_as_for_no_call(
    sam_client, simulator, support_call, path, headers
):
    other_line = sam_client.get(path.format(id=support_call["id"]), headers=headers)
    no_call = sam_client.get(path.format(id=MISSING_ID), headers=headers)

    assert other_line.status_code == no_call.status_code == 404
    # Apart from the id and what differs on every response (nonces, CSRF tokens).
    strip = re.compile(
        r'[0-9a-f]{8}-[0-9a-f-]{27}|nonce="[^"]*"|"X-CSRFToken": "[^"]*"|value="\w{64}"'
    )
    assert strip.sub("", other_line.content.decode()) == strip.sub("", no_call.content.decode())


def test_it_refuses_another_lines_transcript_search_and_other_calls(
    sam_client, simulator, support_call
):
    url = f"/calls/{support_call['id']}/"
    assert sam_client.get(url, {"q": "help"}, headers=HTMX_TRANSCRIPT).status_code == 404
    assert sam_client.get(url, headers=HTMX_RELATED).status_code == 204  # as for no call


def test_it_decides_the_line_before_any_recording_link_is_minted(
    sam_client, simulator, support_call
):
    call_id = support_call["id"]
    assert sam_client.get(f"/calls/{call_id}/").status_code == 404  # the call is now cached
    before = detail_requests(simulator, call_id)

    assert sam_client.get(f"/calls/{call_id}/recording/").status_code == 404

    assert detail_requests(simulator, call_id) == before  # no fresh fetch, no link minted
    assert not AuditEvent.objects.filter(action=AuditEvent.RECORDING_PLAYED).exists()


def test_it_plays_a_call_on_the_members_line_and_logs_it_once(
    sam_client, sam, simulator, sales_call
):
    response = sam_client.get(f"/calls/{sales_call['id']}/recording/")

    assert response.status_code == 302 and "/recordings/" in response["Location"]
    events = AuditEvent.objects.filter(action=AuditEvent.RECORDING_PLAYED)
    assert [(e.user, e.call_id, e.company_id) for e in events] == [
        (sam, sales_call["id"], sam.membership.company_id)
    ]


def test_it_shows_only_the_members_lines_among_other_calls(sam_client, simulator, sales_call):
    simulator.add_call(ACME_KEY, from_=REGULAR, **SUPPORT)
    other_sales = simulator.add_call(ACME_KEY, from_=REGULAR, **SALES)

    related = sam_client.get(f"/calls/{sales_call['id']}/", headers=HTMX_RELATED)

    assert related.status_code == 200
    assert [call.id for call in related.context["related"]] == [other_sales["id"]]


def test_it_shows_a_member_without_content_access_no_player_and_no_transcript(
    nia_client, simulator, sales_call
):
    page = nia_client.get(f"/calls/{sales_call['id']}/").content.decode()

    assert "<audio" not in page and "/recording/" not in page
    assert 'id="transcript"' not in page and "transcript.txt" not in page
    assert "Your access does not include recordings and transcripts." in page
    assert sales_call["summary"] not in page  # what was said, in other words: content too
    assert "+1 415-555-1234" in page  # the rest of the call is still there


@pytest.mark.parametrize(
    ("path", "params", "headers"),
    [
        ("/calls/{id}/recording/", {}, {}),
        ("/calls/{id}/transcript.txt", {}, {}),
        ("/calls/{id}/", {"q": "help"}, HTMX_TRANSCRIPT),
    ],
)
def test_it_refuses_content_with_403_and_asks_phone_inc_nothing(
    nia_client, simulator, sales_call, path, params, headers
):
    simulator.reset_stats()
    response = nia_client.get(path.format(id=sales_call["id"]), params, headers=headers)

    assert response.status_code == 403
    assert "No access to recordings and transcripts" in response.content.decode()
    assert detail_requests(simulator, sales_call["id"]) == 0
    assert not AuditEvent.objects.exclude(action=AuditEvent.SIGN_IN).exists()


def test_it_logs_one_transcript_download(sam_client, sam, simulator, sales_call):
    response = sam_client.get(f"/calls/{sales_call['id']}/transcript.txt")

    assert response.status_code == 200
    events = AuditEvent.objects.filter(action=AuditEvent.TRANSCRIPT_DOWNLOADED)
    assert [(e.username, e.call_id) for e in events] == [("sam", sales_call["id"])]
