"""Notes on calls: the form that checks one, and the queries that read them per company.

Notes are phonedash's own (the call stays at Phone.inc) and always read for one company, so a
note never shows to another company, whatever call id is asked for.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable

from django import forms
from django.db import connections, router
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from calls import memo
from calls.models import Company, Note


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


def notes_on(company: Company, call_ids: Iterable[str]) -> list[Note]:
    """The company's notes on these calls, oldest first."""
    ids = sorted(set(call_ids))
    if not ids:
        return []
    return list(Note.objects.filter(company=company, call_id__in=ids))


# The navigation's count asks which calls are handled on every page, and notes change only
# through phonedash's own pages: this process keeps the answer for HANDLED_SECONDS, and drops
# a company's at once when it saves or deletes one of its notes itself. A note saved through
# another worker shows in this one's count up to that much later; the pages that show notes
# (the board, a call's notes) always read them afresh.
HANDLED_SECONDS = 1.0
_handled: memo.Memo[tuple, tuple[float, tuple[str, ...]]] = memo.Memo(
    "handled calls", entries=1024, max_bytes=2 * 1024 * 1024, sizeof=memo.deep
)
_changes = itertools.count(1)
_changed: dict[int, int] = {}  # company id → when this process last changed one of its notes


@receiver(post_save, sender=Note, dispatch_uid="calls.notes.changed_saved")
@receiver(post_delete, sender=Note, dispatch_uid="calls.notes.changed_deleted")
def _note_changed(sender, instance: Note, **kwargs) -> None:
    _changed[instance.company_id] = next(_changes)


def handled_among(company: Company, call_ids: Iterable[str]) -> tuple[str, ...]:
    """Which of these calls the company has a note marking handled, sorted; read at most
    HANDLED_SECONDS ago, or since this process last changed one of the company's notes.

    All the navigation's count of open callbacks needs of the notes, on every page: one small
    statement written out here, since building it through the ORM takes about fifteen times
    as long as running it."""
    ids = tuple(sorted(set(call_ids)))
    if not ids:
        return ()
    # By the stored key too: a company's id may name another company later (tests reuse ids).
    key = (company.pk, company.api_key_encrypted, _changed.get(company.pk, 0), ids)
    now = time.monotonic()
    kept = _handled.get(key)
    if kept is not None and kept[0] > now:
        return kept[1]
    return _handled.put(key, (now + HANDLED_SECONDS, _read_handled(company, ids)))[1]


def _read_handled(company: Company, ids: tuple[str, ...]) -> tuple[str, ...]:
    meta, connection = Note._meta, connections[router.db_for_read(Note)]
    quote = connection.ops.quote_name
    call_id, company_id, marks = (
        quote(meta.get_field(name).column) for name in ("call_id", "company", "marks_handled")
    )
    sql = (
        f"SELECT DISTINCT {call_id} FROM {quote(meta.db_table)} WHERE {company_id} = %s "
        f"AND {marks} = %s AND {call_id} IN ({', '.join(['%s'] * len(ids))})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [company.pk, True, *ids])
        return tuple(sorted(row[0] for row in cursor.fetchall()))


def note_versions(company: Company, call_ids: Iterable[str]) -> tuple[tuple[int, int | None], ...]:
    """Which notes the company has on these calls, as (id, author id) sorted by id: notes are
    never edited, only added and deleted (and an author's removal clears the author), so this
    says whether what a page shows of them could have changed, in one small statement."""
    ids = sorted(set(call_ids))
    if not ids:
        return ()
    meta, connection = Note._meta, connections[router.db_for_read(Note)]
    quote = connection.ops.quote_name
    pk, author_id, call_id, company_id = (
        quote(meta.get_field(name).column) for name in ("id", "author", "call_id", "company")
    )
    sql = (
        f"SELECT {pk}, {author_id} FROM {quote(meta.db_table)} WHERE {company_id} = %s "
        f"AND {call_id} IN ({', '.join(['%s'] * len(ids))}) ORDER BY {pk}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [company.pk, *ids])
        return tuple((row[0], row[1]) for row in cursor.fetchall())


def versions_in(notes: Iterable[Note]) -> tuple[tuple[int, int | None], ...]:
    """note_versions() as read from notes already loaded."""
    return tuple(sorted((note.pk, note.author_id) for note in notes))


def handled_in(notes: Iterable[Note]) -> tuple[str, ...]:
    """handled_among() as read from notes already loaded."""
    return tuple(sorted({note.call_id for note in notes if note.marks_handled}))
