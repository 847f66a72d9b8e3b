"""Template filters over calls.display, for the values templates show."""

from __future__ import annotations

from django import template

from calls import display
from calls.call_list import rows

register = template.Library()

register.filter("duration", display.duration)
register.filter("state_label", display.state_label)
register.filter("state_tone", display.state_tone)
register.filter("relative", display.relative)
register.filter("absolute", display.absolute)
register.filter("age", display.age)
register.filter("gap_sentence", display.gap_sentence)


@register.filter
def phone(number: str | None, region: str = "US") -> str:
    return display.phone(number, region)


@register.simple_tag(takes_context=True)
def call_rows(context, pairs, region: str):
    """The call list's rows, (call, relative start) pairs (calls.call_list.rows)."""
    return rows.rows(pairs, region, bool(context.get("embedded")))
