"""The call list's memoised pieces: rows, filter fields and widgets rendered once, never stale.

Rows are memoised by everything they show, so the same cached call must still read "15 min
ago" five minutes after it read "10 min ago", and must follow the company's region and the
embedded layout. Filter fields and widgets are memoised by their values, region and errors, so
every request sees its own filters.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.http import QueryDict
from django.utils import timezone

from calls import memo, phoneinc
from calls.forms import CallFilterForm
from calls.templatetags import memoised
from calls.templatetags.memoised import call_rows, filter_fields
from tests.conftest import make_company, make_manager
from tests.test_call_list import INITECH_KEY, rows_of

CALL = phoneinc.Call(
    id="call_rows_1",
    from_number="+14085550199",
    to_number="+14155551234",
    direction="inbound",
    state="ended",
    started_at=timezone.now() - timedelta(minutes=10),
    answered_at=timezone.now() - timedelta(minutes=10),
    duration=75,
)


def test_it_recomputes_relative_times_of_a_cached_call(client, django_user_model, sim, monkeypatch):
    initech = make_company("Initech", INITECH_KEY, tz="America/Chicago")
    client.force_login(make_manager(django_user_model, "dana", initech))
    sim.add_call(INITECH_KEY, started_at=sim.now() - timedelta(minutes=10))
    first = rows_of(client.get("/calls/"))
    later = timezone.now() + timedelta(minutes=5)
    monkeypatch.setattr(timezone, "now", lambda: later)
    second = rows_of(client.get("/calls/"))
    assert sim.request_count("/api/") == 1  # the same cached answer both times
    assert "10 min ago" in first[0].cells[4]
    assert "15 min ago" in second[0].cells[4]


def test_it_formats_the_same_call_for_each_region():
    us, gb = call_rows([CALL], "US"), call_rows([CALL], "GB")
    assert "(408) 555-0199" in us and "(408) 555-0199" not in gb
    assert "+1 408-555-0199" in gb


def test_it_keeps_the_embedded_layout_in_links_of_the_same_call():
    assert "embed=1" not in call_rows([CALL], "US", embedded=False)
    assert "embed=1" in call_rows([CALL], "US", embedded=True)
    assert "embed=1" not in call_rows([CALL], "US", embedded=False)


def test_it_renders_an_equal_list_alike_and_a_changed_one_afresh():
    first = call_rows((CALL,), "US")
    assert call_rows((CALL,), "US") == first
    ringing = dataclasses.replace(CALL, state="initiated", answered_at=None, duration=None)
    assert "Ringing" in call_rows((ringing,), "US") and "Ringing" not in first


def test_it_escapes_what_phone_inc_sends_in_a_memoised_row():
    hostile = dataclasses.replace(CALL, main_number_name="<b>Sales</b>")
    html = call_rows([hostile, hostile], "US")
    assert "<b>" not in html and html.count("&lt;b&gt;Sales&lt;/b&gt;") == 2


@pytest.mark.parametrize("state", ["ended", "answered", "ended"])  # the second "ended" is memoised
def test_it_selects_the_chosen_filter_in_a_memoised_widget(state):
    form = CallFilterForm({"state": state}, region="US")
    html = str(form["state"])
    assert f'<option value="{state}" selected>' in html
    assert html.count(" selected") == 1


def bound(data: dict, region: str = "US") -> CallFilterForm:
    form = CallFilterForm(QueryDict(urlencode(data)), region=region)
    form.is_valid()
    return form


def test_it_shows_each_request_its_own_filter_values():
    for number in ("(408) 555-0199", "(408) 555-0100", "(408) 555-0199"):
        assert f'value="{number}"' in filter_fields(bound({"phone_number": number}))


def test_it_shows_the_errors_of_each_request_in_the_filter_fields():
    assert "read “12” as a phone number" in filter_fields(bound({"phone_number": "12"}))
    assert "as a phone number" not in filter_fields(bound({"phone_number": "(408) 555-0199"}))


def test_it_reads_the_same_filters_in_each_companys_region():
    us, gb = (
        filter_fields(bound({"state": "ended"})),
        filter_fields(bound({"state": "ended"}, "GB")),
    )
    assert us != gb and "e.g. (201) 555-0123" in us and "e.g. 0121 234 5678" in gb


def test_it_keeps_one_row_per_call_and_context(settings):
    settings.DEBUG = False
    memoised._rows.clear()
    memoised._lists_html.clear()
    answer = (CALL,)  # one cached answer, read twice
    call_rows(answer, "US")
    call_rows(answer, "US")
    call_rows([CALL], "GB")
    assert len(memoised._rows) == 2 and len(memoised._lists_html) == 1
    assert memoised._lists_html.bytes >= memo.deep_size(CALL)


def test_it_counts_what_a_rows_call_holds(settings):
    """A row's key keeps its call alive: a 100 KB summary counts, not a fixed guess."""
    settings.DEBUG = False
    memoised._rows.clear()
    wordy = dataclasses.replace(CALL, summary="s" * 100_000)
    call_rows([wordy], "US")
    assert memoised._rows.bytes > 100_000


def test_it_memoises_nothing_under_debug(settings):
    settings.DEBUG = True
    for kept in (memoised._rows, memoised._lists_html, memoised._fields_html):
        kept.clear()
    call_rows((CALL,), "US")
    filter_fields(bound({"state": "ended"}))
    assert not memoised._rows and not memoised._lists_html and not memoised._fields_html
