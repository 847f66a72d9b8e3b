"""Template pieces of the insights page and the links to it: shares, waits, window times, and
the query string of a page's filters (which the list's links to insights and export keep)."""

from __future__ import annotations

from urllib.parse import urlencode

from django import template
from django.utils import timezone

from calls import display, insights

register = template.Library()


@register.filter
def percent(share: float | None) -> str:
    """0.4 as "40%"; an em dash when there is nothing to divide."""
    return "—" if share is None else f"{round(100 * share)}%"


@register.filter
def seconds(value: float | None) -> str:
    """A wait or an average in seconds, to the nearest second, as m:ss."""
    return display.duration(None if value is None else round(value))


@register.filter
def moment(value) -> str:
    """A start time as the window's sentence reads it ("Mon 09:12"), in the company's zone."""
    if value is None:
        return "—"
    return insights.moment_label(value, timezone.get_current_timezone(), timezone.now())


@register.simple_tag(takes_context=True)
def filters_query(context, filters) -> str:
    """The query string of `filters` (limit included, so a link shows the same calls), with
    the embedded layout kept (the export ignores it; every link in a frame keeps it)."""
    params = dict(filters.params())
    if context.get("embedded"):
        params["embed"] = "1"
    return urlencode(params)
