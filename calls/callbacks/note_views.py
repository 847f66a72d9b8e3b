"""Notes on a call: adding one (optionally marking a missed call handled) and deleting your own.

A note is saved only for a call that exists for the company and that the member may see,
checked through the company's call source as every page checks it. With htmx the notes update in
place: on the call's page its notes section is sent back; on the callbacks board (whose forms
target themselves) the answer is empty and the `notesChanged` event makes the board reload.
Without JavaScript each form posts and is redirected back to the page it came from.
"""

from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from calls import audit, phoneinc, responses
from calls.accounts.tenancy import company_required, forbidden
from calls.answers import quotas
from calls.answers.store import shared
from calls.callbacks.notes import NOTES_PAGE, NoteForm, latest_notes
from calls.models import AuditEvent, Note
from calls.phoneinc import Call, PhoneIncError
from calls.responses import render_error
from calls.sources import call_source

CHANGED_EVENT = "notesChanged"
TEMPLATE = "calls/notes.html"


post_only = responses.post_only(
    "Use the form", "Notes are added and deleted with the forms on a call's page."
)


@post_only
@company_required
def add_note(request: HttpRequest, company, call_id: str) -> HttpResponse:
    call = _visible_call(request, company, call_id)
    if isinstance(call, HttpResponse):
        return call
    form = NoteForm(request.POST, missed=call.is_missed)
    if not form.is_valid():
        return _form_page(request, company, call_id, call, form)
    try:
        quotas.charge_note(shared, company, request.user.pk)
    except quotas.NotingTooFast as error:  # the note stays in the form, unsaved
        form.add_error(None, error.message)
        response = _form_page(request, company, call_id, call, form, status=error.status)
        response["Retry-After"] = str(error.retry_after)
        return response
    note = Note.objects.create(
        company=company,
        call_id=call_id,
        author=request.user,
        author_name=request.user.get_username(),
        text=form.cleaned_data["text"],
        marks_handled=form.cleaned_data["marks_handled"],
    )
    detail = "marked the missed call handled" if note.marks_handled else ""
    audit.record(request, AuditEvent.NOTE_ADDED, call_id=call_id, detail=detail)
    saved = "Note saved; the call is marked handled." if note.marks_handled else "Note saved."
    return _done(request, company, call_id, call, saved)


@post_only
@company_required
def delete_note(request: HttpRequest, company, call_id: str, note_id: int) -> HttpResponse:
    # The call first: a call this member may not see answers exactly as a missing one does,
    # whether or not it has notes.
    call = _visible_call(request, company, call_id)
    if isinstance(call, HttpResponse):
        return call
    note = Note.objects.filter(company=company, call_id=call_id, pk=note_id).first()
    if note is None:
        return render_error(request, phoneinc.NotFound("There is no such note on this call."))
    if note.author_id != request.user.pk:
        return forbidden(
            request, "Not your note", "You can delete only the notes you wrote yourself."
        )
    note.delete()
    audit.record(request, AuditEvent.NOTE_DELETED, call_id=call_id)
    return _done(request, company, call_id, call, "Note deleted.")


@require_GET
@company_required
def all_notes(request: HttpRequest, company, call_id: str) -> HttpResponse:
    """Every note on a call, newest first, a page at a time: where a call's page and a
    callbacks row, which show only the latest, lead."""
    call = _visible_call(request, company, call_id)
    if isinstance(call, HttpResponse):
        return call
    notes = Note.objects.filter(company=company, call_id=call_id).order_by("-created_at", "-pk")
    page = Paginator(notes, NOTES_PAGE).get_page(request.GET.get("page"))
    context = {"company": company, "call": call, "call_id": call_id, "page": page}
    return render(request, "calls/notes_all.html", context)


def notes_context(company, call_id: str, call: Call, form=None) -> dict:
    """What the notes section of a call's page shows: its latest notes, how many it has, and
    the form to add one."""
    shown = latest_notes(company, call_id)
    return {
        "company": company,
        "notes": shown.notes,
        "notes_total": shown.total,
        "note_form": form,
        "call_id": call_id,
        "call": call,
    }


def _visible_call(request: HttpRequest, company, call_id: str) -> Call | HttpResponse:
    """The call, when it exists for the company and is in the member's scope; else the page
    a call outside them gets (a 404, the same for both)."""
    try:
        call = call_source(company).call(call_id).value
    except PhoneIncError as error:
        return render_error(request, error)
    if not request.scope.sees(call):
        return render_error(request, phoneinc.NotFound())
    return call


def _target(request: HttpRequest) -> str:
    return (request.headers.get("HX-Target") or "") if request.htmx else ""


def _on_board(request: HttpRequest) -> bool:
    target = _target(request)
    return target.startswith("note-form-") or target.startswith("note-delete-")


def _done(request: HttpRequest, company, call_id: str, call: Call, saved: str) -> HttpResponse:
    if not request.htmx:
        return redirect(_next_url(request) or reverse("calls:detail", args=[call_id]))
    if _on_board(request):
        response = HttpResponse(status=204)
    else:
        context = {**notes_context(company, call_id, call), "saved": saved}
        response = render(request, f"{TEMPLATE}#notes", context)
    response["HX-Trigger"] = json.dumps({CHANGED_EVENT: {"call_id": call_id}})
    return response


def _form_page(
    request: HttpRequest, company, call_id: str, call: Call, form: NoteForm, status: int = 400
) -> HttpResponse:
    """The form again with its errors beside the fields, nothing saved: in place with htmx,
    else as a page of its own that leads back."""
    context = {
        **notes_context(company, call_id, call, form),
        "next_url": _next_url(request),
    }
    if _target(request).startswith("note-form-"):
        return render(request, f"{TEMPLATE}#note_form", {**context, "board": True}, status=status)
    if request.htmx:
        return render(request, f"{TEMPLATE}#notes", context, status=status)
    context["back_url"] = context["next_url"] or reverse("calls:detail", args=[call_id])
    return render(request, TEMPLATE, context, status=status)


def _next_url(request: HttpRequest) -> str | None:
    """Where the form came from when it was the callbacks board: its local URL, else None."""
    wanted = request.POST.get("next", "")
    board = reverse("calls:callbacks")
    if not wanted.startswith(board) or not url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    return wanted
