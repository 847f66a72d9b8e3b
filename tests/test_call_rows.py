"""The call list's memoised rendering: rows and filter widgets rendered once, never stale.

Rows are memoised by everything they show, so the same cached call must still read "15 min
ago" five minutes after it read "10 min ago", and must follow the company's region and the
embedded layout. Widgets are memoised by their value, so a filter change shows the new choice.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from django.utils import timezone

from calls import phoneinc
from calls.forms import CallFilterForm
from calls.simulator import Simulator
from calls.templatetags.call_rows import call_rows
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


@pytest.fixture
def sim(settings):
    """A private, frozen simulator where Initech starts empty; answers cached for an hour."""
    sim = Simulator(frozen=True)
    server = sim.serve(port=0)
    settings.PHONE_INC_API_URL = server.url
    settings.PHONEDASH_CACHE_SECONDS = 3600
    yield sim
    server.stop()


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
