"""Notes at volume (a scanner left 3,500 on one company's calls in 20 minutes): each member's
notes are rate-limited with a message that says how long to wait, and a call's page and a
callbacks row show only the latest notes with how many there are and a link to the rest, so
that no page grows with the number of notes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from calls.models import Note
from tests.callbacks import test_notes

missed = test_notes.missed
notes_url = test_notes.notes_url
simulator = test_notes.simulator

HX = {"HTTP_HX_REQUEST": "true"}


def many_notes(company, call_id: str, count: int) -> None:
    start = timezone.now() - timedelta(hours=1)
    Note.objects.bulk_create(
        Note(
            company=company,
            call_id=call_id,
            author_name="scanner",
            text=f"note number {n}",
            created_at=start + timedelta(seconds=n),
        )
        for n in range(count)
    )


def test_a_member_adding_notes_too_fast_gets_a_429_that_says_how_long_to_wait(
    alice_client, missed, settings
):
    settings.PHONEDASH_NOTES_PER_MINUTE = 3
    for n in range(3):
        assert alice_client.post(notes_url(missed), {"text": f"note {n}"}).status_code == 302
    response = alice_client.post(notes_url(missed), {"text": "one too many"})
    page = response.content.decode()
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 61
    assert "adding notes faster than phonedash allows (3 a minute)" in page
    assert "one too many" in page  # kept in the form, unsaved
    assert Note.objects.count() == 3
    # With htmx the form comes back in place with the message.
    response = alice_client.post(notes_url(missed), {"text": "again"}, **HX)
    assert response.status_code == 429
    assert "adding notes faster" in response.content.decode()
    assert Note.objects.count() == 3


def test_another_member_is_not_slowed_by_one_who_is(alice_client, bob, missed, settings, client):
    settings.PHONEDASH_NOTES_PER_MINUTE = 1
    assert alice_client.post(notes_url(missed), {"text": "first"}).status_code == 302
    assert alice_client.post(notes_url(missed), {"text": "second"}).status_code == 429
    client.force_login(bob)
    assert client.post(notes_url(missed), {"text": "bob's"}).status_code == 302


def test_a_calls_page_shows_its_latest_notes_and_links_to_the_rest(alice_client, acme, missed):
    many_notes(acme, missed["id"], 3500)
    response = alice_client.get(f"/calls/{missed['id']}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('<li class="note-item">') == 10
    assert "note number 3499" in page and "note number 3489" not in page
    assert "The latest 10 of 3500 notes." in page
    link = f'href="/calls/{missed["id"]}/notes/all/"'
    assert link in page
    assert len(page) < 60_000


def test_a_callbacks_row_shows_its_latest_notes_with_the_count(alice_client, acme, missed):
    many_notes(acme, missed["id"], 3500)
    response = alice_client.get("/calls/callbacks/")
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('<li class="note-item">') == 3
    assert "note number 3499" in page and "note number 3496" not in page
    assert "The latest 3 of 3500 notes." in page
    assert "Notes (3500)" in page
    assert len(page) < 100_000


def test_all_of_a_calls_notes_come_a_page_at_a_time_newest_first(alice_client, acme, missed):
    many_notes(acme, missed["id"], 120)
    url = f"/calls/{missed['id']}/notes/all/"
    page = alice_client.get(url).content.decode()
    texts = re.findall(r"note number (\d+)", page)
    assert texts[:2] == ["119", "118"] and len(texts) == 50
    assert "120 notes, newest first: page 1 of 3" in page
    last = alice_client.get(url, {"page": 3}).content.decode()
    assert re.findall(r"note number (\d+)", last)[-1] == "0"
    assert alice_client.get(url, {"page": "nonsense"}).status_code == 200  # the first page


@pytest.mark.parametrize("who", ["charlie_client"])
def test_another_company_never_reads_a_calls_notes(request, acme, missed, who):
    many_notes(acme, missed["id"], 5)
    response = request.getfixturevalue(who).get(f"/calls/{missed['id']}/notes/all/")
    assert response.status_code == 404
    assert "note number" not in response.content.decode()
