"""How the insights page reads its figures: shares, waits, the window's times, and the query
string of a page's filters (which the list's links to insights and the export keep)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.utils import timezone

from calls import display
from calls.insights import figures
from calls.sources import CallQuery


def percent(share: float | None) -> str:
    """0.4 as "40%"; an em dash when there is nothing to divide."""
    return "—" if share is None else f"{round(100 * share)}%"


def seconds(value: float | None) -> str:
    """A wait or an average in seconds, to the nearest second, as m:ss."""
    return display.duration(None if value is None else round(value))


def wait(value: float | None) -> str:
    """A wait that may run for days (a missed call's return), in words: "40 s", "12 min",
    "2 h 5 min", "3 d 4 h"."""
    return "—" if value is None else display.span(timedelta(seconds=value))


def moment(value) -> str:
    """A start time as the window's sentence reads it ("Mon 09:12"), in the company's zone."""
    if value is None:
        return "—"
    return figures.moment_label(value, timezone.get_current_timezone(), timezone.now())


def filters_query(query: CallQuery, embedded: bool) -> str:
    """The query string of `query` (limit included, so a link shows the same calls), with
    the embedded layout kept (the export ignores it; every link in a frame keeps it)."""
    params = dict(query.upstream())
    if embedded:
        params["embed"] = "1"
    return urlencode(params)
