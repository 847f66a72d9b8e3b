"""Call list pieces rendered once per process and reused: `{% call_rows %}`, `{% filter_fields %}`.

A warm list page shows the same 50 rows and the same filter fields on every view, and rendering
them through templates is most of what such a page costs. Each piece is a partial of
calls/call_list.html, rendered with a context of its own (nothing else from the page can leak
in) and memoised by everything that context holds:

- a row by the call record (frozen, compared by value), the company's region and time zone,
  the embedded switch, the script prefix and the relative start time ("5 min ago"), which is
  recomputed on every view so that a row never goes stale; and a whole list by the identity of
  its answer (the same tuple of records, see calls.payloads) and the same things;
- the filter fields by the form's data, region and errors (its values, choices and placeholder
  follow from those) and the script prefix.

Each memo is a calls.memo.Memo, bounded in entries and in bytes. Under DEBUG (runserver
reloads templates) nothing is memoised.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from django import template
from django.conf import settings
from django.template.loader import get_template
from django.urls import get_script_prefix
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from calls import display, memo
from calls.forms import CallFilterForm
from calls.phoneinc import Call

register = template.Library()

PAGE = "calls/call_list.html"


# A row is keyed by its call record, which the memo keeps alive: rows and lists count what
# their records take in memory (calls.memo.deep_size), whatever a summary or a name holds.
ROWS_KEPT = 2048
ROWS_BYTES = 8 * 1024 * 1024
LISTS_KEPT = 256
LISTS_BYTES = 8 * 1024 * 1024
FIELDS_KEPT = 256  # typed phone numbers make many keys: stay bounded
FIELDS_BYTES = 1024 * 1024


def render_row(call: Call, region: str, embedded: bool, started: str) -> SafeString:
    context = {"call": call, "region": region, "embedded": embedded, "started": started}
    return get_template(f"{PAGE}#row").render(context)


def _row_size(key: tuple, html: SafeString) -> int:
    return sys.getsizeof(html) + memo.deep_size(key)


_rows: memo.Memo[tuple, SafeString] = memo.Memo(
    "call rows", entries=ROWS_KEPT, max_bytes=ROWS_BYTES, sizeof=_row_size
)


@_rows.memoise
def _memoised_row(
    call: Call, region: str, embedded: bool, started: str, zone: str, prefix: str
) -> SafeString:
    return render_row(call, region, embedded, started)


def _list_size(key: tuple, kept: tuple[tuple[Call, ...], SafeString]) -> int:
    calls, html = kept
    return sys.getsizeof(html) + memo.deep_size(calls) + memo.SMALL_ENTRY_BYTES


_lists_html: memo.Memo[tuple, tuple[tuple[Call, ...], SafeString]] = memo.Memo(
    "call lists", entries=LISTS_KEPT, max_bytes=LISTS_BYTES, sizeof=_list_size
)


@register.simple_tag
def call_rows(calls: Sequence[Call], region: str, embedded: bool = False) -> SafeString:
    now, zone, prefix = timezone.now(), timezone.get_current_timezone(), get_script_prefix()
    labels = tuple(display.relative(call.started_at, now, zone) for call in calls)
    context = (region, bool(embedded), str(zone), prefix)
    if settings.DEBUG:
        pairs = zip(calls, labels, strict=True)
        return mark_safe("".join(render_row(call, region, embedded, lb) for call, lb in pairs))
    # A cached answer comes back as the very same tuple while it stays the same (see
    # calls.payloads): then the whole list is one lookup. The tuple is kept with its HTML, so
    # its id cannot be taken by another object while the entry exists.
    key = (id(calls), labels, *context)
    kept = _lists_html.get(key) if isinstance(calls, tuple) else None
    if kept is not None and kept[0] is calls:
        return kept[1]
    pairs = zip(calls, labels, strict=True)
    html = mark_safe("".join(_row(call, label, context) for call, label in pairs))
    if isinstance(calls, tuple):
        _lists_html.put(key, (calls, html))
    return html


def _row(call: Call, started: str, context: tuple) -> SafeString:
    region, embedded, zone, prefix = context
    return _memoised_row(call, region, embedded, started, zone, prefix)  # records hash


def render_fields(form: CallFilterForm) -> SafeString:
    return get_template(f"{PAGE}#filter_fields").render({"form": form})


_fields_html: memo.Memo[tuple, SafeString] = memo.Memo(
    "filter fields", entries=FIELDS_KEPT, max_bytes=FIELDS_BYTES, sizeof=memo.text
)


@register.simple_tag
def filter_fields(form: CallFilterForm) -> SafeString:
    # __class__, not type(): a form built only when rendered is a SimpleLazyObject.
    if settings.DEBUG or form.__class__ is not CallFilterForm:
        return render_fields(form)
    data = tuple(sorted(form.data.items())) if form.is_bound else None
    errors = tuple((name, tuple(messages)) for name, messages in form.errors.items())
    key = (data, form.region, errors, get_script_prefix())
    html = _fields_html.get(key)
    if html is None:
        html = _fields_html.put(key, render_fields(form))
    return html
