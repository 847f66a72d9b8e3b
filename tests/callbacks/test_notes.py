"""Notes on a call: adding, marking handled, deleting your own; bad input, scope and tenancy."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from calls.models import AuditEvent, Company, Membership, Note
from tests.conftest import ACME_KEY, GLOBEX_KEY

SALES = "+14155551234"
SUPPORT = "+14155552000"
UNKNOWN_ID = "0193f4ba-0000-7c00-9e3d-000000000000"


@pytest.fixture
def simulator(fresh_simulator):
    return fresh_simulator


@pytest.fixture
def missed(simulator):
    return simulator.add_call(
        ACME_KEY,
        from_="+14085550100",
        direction="inbound",
        state="ended",
        answered_at=None,
        duration=None,
        employees=[],
        main_number=SALES,
        main_number_name="Sales",
    )


@pytest.fixture
def answered(simulator):
    return simulator.add_call(ACME_KEY, direction="inbound", state="ended", main_number=SALES)


def notes_url(call) -> str:
    return f"/calls/{call['id']}/notes/"


def audits(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


def test_it_saves_a_note_and_goes_back_to_the_call(alice_client, alice, acme, missed):
    response = alice_client.post(notes_url(missed), {"text": "  Called back, no answer.  "})
    assert response.status_code == 302
    assert response["Location"] == f"/calls/{missed['id']}/"
    note = Note.objects.get()
    assert (note.company, note.call_id, note.author, note.author_name) == (
        acme,
        missed["id"],
        alice,
        "alice",
    )
    assert note.text == "Called back, no answer." and not note.marks_handled
    event = AuditEvent.objects.get(action=AuditEvent.NOTE_ADDED)
    assert (event.call_id, event.username, event.company) == (missed["id"], "alice", acme)


def test_it_shows_notes_on_the_call_with_author_and_company_time(alice_client, acme, missed):
    moment = timezone.now()
    Note.objects.create(
        company=acme, call_id=missed["id"], author_name="bob", text="<b>VIP</b>", created_at=moment
    )
    page = alice_client.get(f"/calls/{missed['id']}/").content.decode()
    section = page.partition(f'id="notes-{missed["id"]}"')[2]
    assert "&lt;b&gt;VIP&lt;/b&gt;" in section and "<b>VIP</b>" not in section
    local = timezone.localtime(moment, acme.zone)
    assert "bob · <time datetime=" in section
    assert local.strftime("%a %-d %b %Y, %H:%M:%S %Z") in section
    assert 'name="marks_handled"' in section, "a missed call can be marked handled"


def test_it_offers_no_handled_box_for_an_answered_call(alice_client, answered):
    page = alice_client.get(f"/calls/{answered['id']}/").content.decode()
    assert f'id="notes-{answered["id"]}"' in page
    assert 'name="marks_handled"' not in page


def test_it_adds_the_note_in_place_with_htmx(alice_client, missed):
    target = f"notes-{missed['id']}"
    response = alice_client.post(
        notes_url(missed),
        {"text": "Sent an email.", "marks_handled": "on"},
        headers={"HX-Request": "true", "HX-Target": target},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert page.lstrip().startswith(f'<section id="{target}"')
    assert "Sent an email." in page and "Marked handled" in page
    assert "Note saved; the call is marked handled." in page
    assert json.loads(response["HX-Trigger"]) == {"notesChanged": {"call_id": missed["id"]}}
    assert Note.objects.get().marks_handled
    assert audits(AuditEvent.NOTE_ADDED) == 1


def test_it_answers_the_board_with_no_content_and_an_event(alice_client, missed):
    response = alice_client.post(
        notes_url(missed),
        {"text": "Done.", "marks_handled": "on", "next": "/calls/callbacks/?show=open"},
        headers={"HX-Request": "true", "HX-Target": f"note-form-{missed['id']}"},
    )
    assert response.status_code == 204
    assert "notesChanged" in response["HX-Trigger"]
    assert Note.objects.count() == 1


def test_it_goes_back_to_the_board_without_javascript_but_nowhere_else(alice_client, missed):
    board = alice_client.post(notes_url(missed), {"text": "a", "next": "/calls/callbacks/?line=x"})
    assert board["Location"] == "/calls/callbacks/?line=x"
    for elsewhere in ("https://evil.example/calls/callbacks/", "//evil.example/", "/admin/"):
        response = alice_client.post(notes_url(missed), {"text": "b", "next": elsewhere})
        assert response["Location"] == f"/calls/{missed['id']}/"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Write the note first: it cannot be empty."),
        ("   \n  ", "Write the note first: it cannot be empty."),
        ("x" * 2001, "Keep the note to 2000 characters (it has 2001)."),
    ],
)
def test_it_refuses_an_empty_or_too_long_note_beside_the_field(alice_client, missed, text, message):
    target = f"notes-{missed['id']}"
    for headers in ({}, {"HX-Request": "true", "HX-Target": target}):
        response = alice_client.post(notes_url(missed), {"text": text}, headers=headers)
        assert response.status_code == 400
        page = response.content.decode()
        error = re.search(
            rf'<p class="field-error" id="note-text-{missed["id"]}-error">(.*?)</p>', page
        )
        assert error and error.group(1) == message
        assert 'aria-invalid="true"' in page
    assert Note.objects.count() == 0
    assert audits(AuditEvent.NOTE_ADDED) == 0


def test_it_shows_the_form_again_on_a_page_of_its_own_without_javascript(alice_client, missed):
    response = alice_client.post(notes_url(missed), {"text": "", "next": "/calls/callbacks/"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "<h1>Note on the call from" in page and "The note was not saved." in page
    assert 'href="/calls/callbacks/">← Back to the callbacks' in page


def test_it_answers_the_boards_form_with_its_errors_in_place(alice_client, missed):
    response = alice_client.post(
        notes_url(missed),
        {"text": ""},
        headers={"HX-Request": "true", "HX-Target": f"note-form-{missed['id']}"},
    )
    assert response.status_code == 400
    assert response.content.decode().lstrip().startswith(f'<form id="note-form-{missed["id"]}"')


def test_it_marks_only_a_missed_call_handled(alice_client, answered):
    response = alice_client.post(notes_url(answered), {"text": "ok", "marks_handled": "on"})
    assert response.status_code == 400
    assert "Only a missed call can be marked handled." in response.content.decode()
    assert Note.objects.count() == 0


def test_it_answers_404_for_an_unknown_call_and_saves_nothing(alice_client, simulator):
    response = alice_client.post(f"/calls/{UNKNOWN_ID}/notes/", {"text": "hello"})
    assert response.status_code == 404
    assert "This call was not found" in response.content.decode()
    assert Note.objects.count() == 0 and audits(AuditEvent.NOTE_ADDED) == 0


def test_it_answers_404_for_a_malformed_id_without_asking_phoneinc(alice_client, simulator):
    for url in ("/calls/not.an.id/notes/", "/calls/%2E%2E/notes/", "/calls/a%20b/notes/"):
        response = alice_client.post(url, {"text": "hello"})
        assert response.status_code == 404
        assert "There is nothing at this address" in response.content.decode()
    assert simulator.request_count("/") == 0
    assert Note.objects.count() == 0


def test_it_answers_405_with_a_message_to_a_get(alice_client, acme, missed):
    response = alice_client.get(notes_url(missed))
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "Notes are added and deleted with the forms" in response.content.decode()
    note = Note.objects.create(company=acme, call_id=missed["id"], author_name="x", text="t")
    deleting = alice_client.get(f"/calls/{missed['id']}/notes/{note.pk}/delete/")
    assert deleting.status_code == 405
    assert Note.objects.filter(pk=note.pk).exists()


def test_it_refuses_a_post_without_a_csrf_token(alice, missed):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post(notes_url(missed), {"text": "hello"})
    assert response.status_code == 403
    assert "Form expired" in response.content.decode()
    assert Note.objects.count() == 0


def test_it_never_lets_charlie_annotate_acmes_call(charlie_client, missed, simulator):
    simulator.reset_stats()
    for headers in ({}, {"HX-Request": "true", "HX-Target": f"notes-{missed['id']}"}):
        response = charlie_client.post(notes_url(missed), {"text": "mine now"}, headers=headers)
        assert response.status_code == 404
    assert Note.objects.count() == 0
    assert {request.company for request in simulator.requests} == {"Globex"}


def test_it_never_shows_another_companys_note_on_a_call(alice_client, globex, missed):
    Note.objects.create(company=globex, call_id=missed["id"], author_name="c", text="Globex only")
    page = alice_client.get(f"/calls/{missed['id']}/").content.decode()
    assert "Globex only" not in page and "No notes yet." in page


def test_it_refuses_a_note_on_a_call_outside_the_members_lines(alice_client, alice, missed):
    Membership.objects.filter(user=alice).update(lines=[SUPPORT])
    response = alice_client.post(notes_url(missed), {"text": "not my line"})
    assert response.status_code == 404
    assert Note.objects.count() == 0


def test_it_deletes_your_own_note(alice_client, alice, acme, missed):
    note = Note.objects.create(
        company=acme, call_id=missed["id"], author=alice, author_name="alice", text="oops"
    )
    target = f"notes-{missed['id']}"
    response = alice_client.post(
        f"/calls/{missed['id']}/notes/{note.pk}/delete/",
        headers={"HX-Request": "true", "HX-Target": target},
    )
    assert response.status_code == 200
    assert "oops" not in response.content.decode() and "Note deleted." in response.content.decode()
    assert not Note.objects.exists()
    event = AuditEvent.objects.get(action=AuditEvent.NOTE_DELETED)
    assert event.call_id == missed["id"]
    assert audits(AuditEvent.NOTE_DELETED) == 1


def test_it_offers_delete_only_on_your_own_notes(alice_client, alice, bob, acme, missed):
    Note.objects.create(
        company=acme, call_id=missed["id"], author=alice, author_name="alice", text="a"
    )
    Note.objects.create(company=acme, call_id=missed["id"], author=bob, author_name="bob", text="b")
    page = alice_client.get(f"/calls/{missed['id']}/").content.decode()
    assert page.count("/delete/") == 2, "one form's action and its hx-post, for alice's note only"


def test_it_refuses_to_delete_someone_elses_note(alice_client, bob, acme, missed):
    note = Note.objects.create(
        company=acme, call_id=missed["id"], author=bob, author_name="bob", text="bob's"
    )
    response = alice_client.post(f"/calls/{missed['id']}/notes/{note.pk}/delete/")
    assert response.status_code == 403
    assert "You can delete only the notes you wrote yourself." in response.content.decode()
    assert Note.objects.filter(pk=note.pk).exists()
    assert audits(AuditEvent.NOTE_DELETED) == 0


def test_it_answers_404_for_a_note_of_another_call_or_company(
    alice_client, alice, acme, globex, missed, answered
):
    mine = Note.objects.create(
        company=acme, call_id=missed["id"], author=alice, author_name="alice", text="x"
    )
    theirs = Note.objects.create(company=globex, call_id=missed["id"], author_name="c", text="y")
    for call_id, note in ((answered["id"], mine), (missed["id"], theirs)):
        response = alice_client.post(f"/calls/{call_id}/notes/{note.pk}/delete/")
        assert response.status_code == 404
    assert Note.objects.count() == 2


def test_it_never_lets_charlie_delete_acmes_note(charlie_client, alice, acme, missed):
    note = Note.objects.create(
        company=acme, call_id=missed["id"], author=alice, author_name="alice", text="x"
    )
    response = charlie_client.post(f"/calls/{missed['id']}/notes/{note.pk}/delete/")
    assert response.status_code == 404
    assert Note.objects.filter(pk=note.pk).exists()


def test_it_reads_globex_calls_with_globexs_key(charlie_client, charlie, simulator):
    call = simulator.add_call(GLOBEX_KEY, direction="inbound", state="ended")
    response = charlie_client.post(notes_url(call), {"text": "Globex note"})
    assert response.status_code == 302
    assert Note.objects.get().company == charlie.membership.company


def test_it_counts_a_line_break_as_one_character_as_the_browser_does(alice_client, missed):
    text = ("x" * 99 + "\r\n") * 20  # 2,000 characters in the textarea, 2,020 as sent
    response = alice_client.post(notes_url(missed), {"text": text})
    assert response.status_code == 302
    assert Note.objects.get().text == ("x" * 99 + "\n") * 19 + "x" * 99


def test_it_answers_a_note_on_another_line_as_it_answers_a_missing_call(
    alice_client, alice, acme, missed, simulator
):
    note = Note.objects.create(
        company=acme, call_id=missed["id"], author=alice, author_name="alice", text="x"
    )
    Membership.objects.filter(user=alice).update(lines=[SUPPORT])
    with_note = alice_client.post(f"/calls/{missed['id']}/notes/{note.pk}/delete/")
    without = alice_client.post(f"/calls/{missed['id']}/notes/{note.pk + 1}/delete/")
    assert with_note.status_code == without.status_code == 404
    token = re.compile(rb'(value=|"X-CSRFToken": |nonce=)"[^"]+"')  # fresh on every response
    assert token.sub(b"", with_note.content) == token.sub(b"", without.content)
    assert Note.objects.filter(pk=note.pk).exists()


def test_every_note_added_or_deleted_moves_its_companys_notes_version_on(acme, globex, alice):
    """What is kept from a company's notes (a board, the navigation's count) is kept under this
    version: a note saved through any worker or host moves it on, and no other company's."""
    before = Company.objects.get(pk=acme.pk).notes_version
    others = Company.objects.get(pk=globex.pk).notes_version
    note = Note.objects.create(
        company=acme, call_id="call-a", author=alice, author_name="alice", text="x"
    )
    added = Company.objects.get(pk=acme.pk).notes_version
    note.delete()
    deleted = Company.objects.get(pk=acme.pk).notes_version
    assert before < added < deleted
    assert Company.objects.get(pk=globex.pk).notes_version == others
