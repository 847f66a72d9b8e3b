"""Notes on calls: the form that checks one, and the query that reads them per company.

Notes are phonedash's own (the call stays at Phone.inc) and always read for one company, so a
note never shows to another company, whatever call id is asked for. Every note added or deleted
moves its company's `notes_version` on, so that what is kept from the notes (a board, the
navigation's count) is kept under the version it was read at and never outlives a change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django import forms
from django.db.models import F
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from calls.models import Company, Note

SHOWN_ON_CALL = 10  # notes a call's page shows, the latest; a link leads to the rest
NOTES_PAGE = 50  # notes a page of all of a call's notes shows


class NoteText(forms.CharField):
    """Line breaks as one character each, as the browser's maxlength counts them (it sends
    them as CR LF): a note the textarea accepted is never refused as too long."""

    def to_python(self, value):
        text = super().to_python(value)
        return text.replace("\r\n", "\n").replace("\r", "\n")


class NoteForm(forms.Form):
    text = NoteText(
        label="Add a note",
        max_length=Note.MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Write the note first: it cannot be empty.",
            "max_length": "Keep the note to %(limit_value)d characters (it has %(show_value)d).",
        },
    )
    marks_handled = forms.BooleanField(label="Mark this missed call handled", required=False)

    def __init__(self, *args, missed: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.missed = missed

    def clean_marks_handled(self) -> bool:
        marks = self.cleaned_data["marks_handled"]
        if marks and not self.missed:
            raise forms.ValidationError("Only a missed call can be marked handled.")
        return marks


@dataclass(frozen=True, slots=True)
class Shown:
    """What a call's notes section shows: its latest notes (oldest of them first) and how
    many it has in all, so that no page grows with the number of notes."""

    notes: tuple[Note, ...]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.notes)


def latest_notes(company: Company, call_id: str, count: int = SHOWN_ON_CALL) -> Shown:
    """The call's latest `count` notes and how many it has."""
    found = Note.objects.filter(company=company, call_id=call_id)
    latest = list(found.order_by("-created_at", "-pk")[:count])
    total = len(latest) if len(latest) < count else found.count()
    return Shown(tuple(reversed(latest)), total)


def notes_on(company: Company, call_ids: Iterable[str]) -> list[Note]:
    """The company's notes on these calls, oldest first."""
    ids = sorted(set(call_ids))
    if not ids:
        return []
    return list(Note.objects.filter(company=company, call_id__in=ids))


@receiver(post_save, sender=Note, dispatch_uid="calls.notes.changed_saved")
@receiver(post_delete, sender=Note, dispatch_uid="calls.notes.changed_deleted")
def _note_changed(sender, instance: Note, **kwargs) -> None:
    notes_changed(instance.company_id)


def notes_changed(company_id: int) -> None:
    """A note of the company was added or deleted: what was worked out from its notes (a board,
    the navigation's count) is out of date, on every worker and host (Company.notes_version)."""
    Company.objects.filter(pk=company_id).update(notes_version=F("notes_version") + 1)
