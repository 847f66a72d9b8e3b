"""Notes in Django admin: readable and filterable per company, never added, changed or deleted."""

from __future__ import annotations

from calls.models import Note


def make_notes(acme, globex):
    acme_note = Note.objects.create(
        company=acme, call_id="call-acme", author_name="alice", text="Acme's note"
    )
    globex_note = Note.objects.create(
        company=globex, call_id="call-globex", author_name="charlie", text="Globex's note"
    )
    return acme_note, globex_note


def test_it_lists_notes_filterable_per_company(admin_client, acme, globex):
    make_notes(acme, globex)
    page = admin_client.get("/admin/calls/note/").content.decode()
    assert "Acme&#x27;s note" in page and "Globex&#x27;s note" in page
    filtered = admin_client.get("/admin/calls/note/", {"company__id__exact": acme.pk})
    page = filtered.content.decode()
    assert "Acme&#x27;s note" in page and "Globex&#x27;s note" not in page


def test_it_shows_a_note_read_only(admin_client, acme, globex):
    acme_note, _ = make_notes(acme, globex)
    response = admin_client.get(f"/admin/calls/note/{acme_note.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Acme&#x27;s note" in page
    assert 'name="_save"' not in page and 'name="text"' not in page
    response = admin_client.post(
        f"/admin/calls/note/{acme_note.pk}/change/", {"text": "rewritten", "company": acme.pk}
    )
    assert response.status_code == 403
    assert Note.objects.get(pk=acme_note.pk).text == "Acme's note"


def test_it_refuses_to_add_or_delete_notes(admin_client, acme, globex):
    acme_note, _ = make_notes(acme, globex)
    assert admin_client.get("/admin/calls/note/add/").status_code == 403
    response = admin_client.post(f"/admin/calls/note/{acme_note.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Note.objects.filter(pk=acme_note.pk).exists()
