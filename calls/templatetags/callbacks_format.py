"""Template filters of the callbacks board (calls.callbacks.format)."""

from __future__ import annotations

from django import template

from calls.callbacks import format as callbacks_format

register = template.Library()

register.filter("span", callbacks_format.span)
register.filter("waited", callbacks_format.waited)
register.filter("since", callbacks_format.since)
