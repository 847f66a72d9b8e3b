"""`{% notes_on_call company call_id as notes %}`: a call's notes, for the notes section any page
includes (calls/notes.html#notes), so that a page showing a call needs nothing of the notes
feature (calls.callbacks.notes) but this tag."""

from __future__ import annotations

from django import template

from calls.callbacks.notes import notes_on

register = template.Library()


@register.simple_tag
def notes_on_call(company, call_id: str):
    return notes_on(company, [call_id])
