"""`{% call_rows calls region=... embedded=... %}`: the call list's rows, each rendered once.

A 50-row list is re-rendered on every view while its calls sit unchanged in the cache, and
template work per row was most of what a warm list page cost. So each row's HTML (the
`row` partial of calls/call_list.html) is memoised per process, keyed by everything it shows:
the call record itself (frozen, compared by value), the company's region and time zone, the
embedded switch, the script prefix, and the relative start time ("5 min ago"), which is
recomputed on every view so that a row never goes stale.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from django import template
from django.conf import settings
from django.template.loader import get_template
from django.urls import get_script_prefix
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from calls import display
from calls.phoneinc import Call

register = template.Library()

ROW_TEMPLATE = "calls/call_list.html#row"


def render_row(call: Call, region: str, embedded: bool, started: str) -> SafeString:
    context = {"call": call, "region": region, "embedded": embedded, "started": started}
    return get_template(ROW_TEMPLATE).render(context)


@functools.lru_cache(maxsize=2048)
def _memoised_row(
    call: Call, region: str, embedded: bool, started: str, zone: str, prefix: str
) -> SafeString:
    return render_row(call, region, embedded, started)


def row(call: Call, region: str, embedded: bool, now, zone: str, prefix: str) -> SafeString:
    started = display.relative(call.started_at, now)
    if settings.DEBUG:  # templates may change under runserver: always render afresh
        return render_row(call, region, embedded, started)
    try:
        return _memoised_row(call, region, embedded, started, zone, prefix)
    except TypeError:  # a field Phone.inc sent that cannot be hashed: render it plainly
        return render_row(call, region, embedded, started)


@register.simple_tag
def call_rows(calls: Iterable[Call], region: str, embedded: bool = False) -> SafeString:
    now, zone, prefix = timezone.now(), timezone.get_current_timezone_name(), get_script_prefix()
    embedded = bool(embedded)
    return mark_safe("".join(row(call, region, embedded, now, zone, prefix) for call in calls))
