"""Pages' main content, memoised per answer: rendered once for the same answer and request,
and again for anything it shows that differs (another answer, company, member's scope, filter,
layout, relative time, note, who may delete a note), never for a stale answer or an error;
each request's forms carry its own CSRF token."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from calls import callback_sources, callbacks
from calls.models import Membership
from calls.templatetags.memoised_content import CSRF_STAND_IN
from calls.views import call_list
from tests.conftest import make_company, make_manager
from tests.test_call_list import INITECH_KEY, rows_of

SALES = "+14155551234"  # Acme's Sales line


@pytest.fixture(autouse=True)
def still(monkeypatch):
    """No relative time ("5 min ago") moves on during a test unless the test moves it: with
    50 calls one does every second or so, and the content is rendered again for it."""
    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now)


@pytest.fixture
def renders(monkeypatch) -> list[int]:
    """How many times the content was rendered: its summary strip is worked out only then."""
    counted: list[int] = []
    real = call_list.summarize

    def counting(calls):
        counted.append(len(calls))
        return real(calls)

    monkeypatch.setattr(call_list, "summarize", counting)
    return counted


def test_it_renders_a_warm_lists_content_once(alice_client, acme, sim, renders):
    first = rows_of(alice_client.get("/calls/?limit=50"))  # fetched
    alice_client.get("/calls/?limit=50")  # the cached answer, as every view reads it from now on
    renders.clear()
    pages = [alice_client.get("/calls/?limit=50") for _ in range(3)]
    assert len(renders) == 0
    assert all(
        [row.call_id for row in rows_of(page)] == [row.call_id for row in first] for page in pages
    )
    tokens = {
        page.content.decode().split('name="csrfmiddlewaretoken" value="')[1][:64] for page in pages
    }
    assert len(tokens) == 3, "the page around the content is rendered anew, its token masked anew"


def test_it_renders_again_for_a_new_answer(client, django_user_model, sim, settings, renders):
    settings.PHONEDASH_CACHE_SECONDS = 0  # every view asks Phone.inc again
    initech = make_company("Initech", INITECH_KEY, tz="America/Chicago")
    client.force_login(make_manager(django_user_model, "dana", initech))
    sim.add_call(INITECH_KEY, started_at=sim.now() - timedelta(minutes=5))
    before = rows_of(client.get("/calls/"))
    added = sim.add_call(INITECH_KEY, started_at=sim.now() - timedelta(minutes=2))
    after = rows_of(client.get("/calls/"))
    assert added["id"] not in {row.call_id for row in before}
    assert after[0].call_id == added["id"] and len(after) == len(before) + 1
    assert len(renders) == 2


def test_it_keeps_each_members_lines_apart(alice_client, acme, bob, sim, renders):
    everyone = {row.call_id for row in rows_of(alice_client.get("/calls/?limit=50"))}
    Membership.objects.filter(user=bob).update(lines=[SALES])
    alice_client.force_login(bob)
    sales = rows_of(alice_client.get("/calls/?limit=50"))
    assert sales and {row.cells[2] for row in sales} == {"Sales"}
    assert {row.call_id for row in sales} < everyone
    assert len(renders) == 2


def test_it_keeps_each_company_apart(alice, charlie, sim):
    as_alice, as_charlie = Client(), Client()
    as_alice.force_login(alice)
    as_charlie.force_login(charlie)
    acme_calls = {row.call_id for row in rows_of(as_alice.get("/calls/?limit=50"))}
    page = as_charlie.get("/calls/?limit=50").content.decode()
    globex_calls = {row.call_id for row in rows_of(as_charlie.get("/calls/?limit=50"))}
    assert acme_calls and globex_calls and not acme_calls & globex_calls
    assert "Acme Corp" not in page and "Globex" in page


def test_it_keeps_the_embedded_layout_and_each_filter_apart(alice_client, acme, sim, renders):
    plain = rows_of(alice_client.get("/calls/?limit=25"))
    embedded = rows_of(alice_client.get("/calls/?limit=25&embed=1"))
    inbound = rows_of(alice_client.get("/calls/?limit=25&direction=inbound"))
    assert not any("embed=1" in link for row in plain for link in row.links)
    assert all("embed=1" in link for row in embedded for link in row.links)
    assert {row.cells[0] for row in inbound} == {"Inbound"}
    assert len(renders) == 3


def test_it_renders_again_once_a_relative_time_moves_on(
    alice_client, acme, sim, renders, monkeypatch
):
    alice_client.get("/calls/?limit=50")
    alice_client.get("/calls/?limit=50")
    later = timezone.now() + timedelta(minutes=5)
    monkeypatch.setattr(timezone, "now", lambda: later)
    alice_client.get("/calls/?limit=50")
    assert len(renders) == 2


def test_it_never_memoises_a_stale_answer(alice_client, acme, sim, settings, renders):
    settings.PHONEDASH_CACHE_SECONDS = 0
    settings.PHONEDASH_STALE_SECONDS = 3600
    alice_client.get("/calls/")
    sim.set_fault(status=503)
    first = alice_client.get("/calls/").content.decode()
    second = alice_client.get("/calls/").content.decode()
    assert "stale-banner" in first and "stale-banner" in second
    assert len(renders) == 3


def test_it_memoises_nothing_under_debug(alice_client, acme, sim, settings, renders):
    settings.DEBUG = True
    alice_client.get("/calls/")
    alice_client.get("/calls/")
    assert len(renders) == 2


# --- The callbacks board ------------------------------------------------------------------

BOARD = "/calls/callbacks/"


@pytest.fixture
def builds(monkeypatch) -> list[int]:
    """How many times a board was built (not served from its memo)."""
    counted: list[int] = []
    real = callbacks.build

    def counting(*args, **kwargs):
        counted.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(callback_sources.callbacks, "build", counting)
    return counted


def note_form_of(page: str) -> tuple[str, str]:
    """The first row's note form: its action and the CSRF token it carries."""
    form = re.search(r'<form id="note-form-[^"]+"[^>]*action="([^"]+)".*?</form>', page, re.S)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.group(0))
    return form.group(1), token.group(1)


def test_it_serves_a_warm_board_with_each_requests_own_csrf_token(alice, acme, sim, builds):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    browser.get(BOARD)
    builds.clear()
    pages = [browser.get(BOARD).content.decode() for _ in range(3)]
    assert builds == [], "the same board, built once"
    tokens = {note_form_of(page)[1] for page in pages}
    assert len(tokens) == 3 and not any(CSRF_STAND_IN in page for page in pages)
    action, token = note_form_of(pages[-1])
    saved = browser.post(action, {"text": "Rang back.", "csrfmiddlewaretoken": token})
    assert saved.status_code == 302, "the token in the memoised form is accepted"
    assert "Rang back." in browser.get(BOARD).content.decode(), "and the new note shows at once"


def test_it_shows_the_delete_button_to_the_notes_author_only(alice, bob, acme, sim):
    as_alice, as_bob = Client(), Client()
    as_alice.force_login(alice)
    as_bob.force_login(bob)
    action, _ = note_form_of(as_alice.get(BOARD).content.decode())
    as_alice.post(action, {"text": "Left a voicemail."})
    mine = as_alice.get(BOARD).content.decode()
    theirs = as_bob.get(BOARD).content.decode()
    assert "Left a voicemail." in mine and "Left a voicemail." in theirs
    assert "your note of" in mine and "your note of" not in theirs
