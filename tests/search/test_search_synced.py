"""Calls the sync stores from Phone.inc (the simulator, over real HTTP) are found as they are
stored, and a result's link opens the call with the same words marked in its transcript."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.conftest import ACME_KEY, make_manager
from tests.history.conftest import sync_once

SEGMENTS = [
    {
        "speaker": "Caller",
        "text": "My café order, número INV-77120, never came.",
        "employee_id": None,
    },
    {
        "speaker": "Alex Wong",
        "text": "Sorry! Let me check the order for you.",
        "employee_id": "emp-1",
    },
]


def test_a_synced_call_is_found_and_its_page_marks_the_words(
    client, django_user_model, acme_history, simulator
):
    now = simulator.now()
    call = simulator.add_call(
        ACME_KEY,
        started_at=now - timedelta(minutes=20),
        answered_at=now - timedelta(minutes=20) + timedelta(seconds=5),
        summary="Caller chased a missing order.",
        transcription=" ".join(s["text"] for s in SEGMENTS),
        transcription_segments=SEGMENTS,
        employees=[{"id": "emp-1", "name": "Alex Wong"}],
    )
    other = simulator.add_call(ACME_KEY, started_at=now - timedelta(minutes=30), summary="Hi.")
    assert sync_once(acme_history) == 1
    client.force_login(make_manager(django_user_model, "alice", acme_history))

    page = client.get("/calls/search/", {"q": "cafe numero inv-77120"}).content.decode()
    links = re.findall(r'href="(/calls/[^"/]+/\?q=[^"]*)">Details', page)
    assert links == [f"/calls/{call['id']}/?q=cafe+numero+inv-77120"]
    assert (
        "Caller:</span> My <mark>café</mark> order, <mark>número</mark> <mark>INV-77120</mark>"
        in page
    )
    assert other["id"] not in page

    detail = client.get(links[0]).content.decode()
    assert "<mark>café</mark>" in detail and "<mark>INV-77120</mark>" in detail
    assert "3 matches for “cafe numero inv-77120”" in detail
