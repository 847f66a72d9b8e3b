"""`{% notes_on_call company call_id as shown %}`: a call's latest notes and how many it has,
for the notes section any page includes (calls/notes.html#notes), so that a page showing a call
needs nothing of the notes feature (calls.callbacks.notes) but this tag."""

from __future__ import annotations

from django import template

from calls.callbacks.notes import latest_notes

register = template.Library()


@register.simple_tag
def notes_on_call(company, call_id: str):
    return latest_notes(company, call_id)
