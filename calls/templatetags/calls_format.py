"""Template filters over calls.display, for the values templates show."""

from __future__ import annotations

from django import template

from calls import display

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
