"""Whole pages kept rendered (calls.pages): a warm page is served without the template engine,
and rendered again for anything it shows that differs (another answer, company, member's
lines, filter, relative time, note, who may delete a note; who is signed in, their company and
role, the navigation's count, the theme, the embedded switch); never kept for an error, a stale
answer or a fragment; each response carries its own CSRF token, which Django's check accepts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client
from django.utils import timezone

from calls import pages
from calls.call_list import views as call_list
from calls.callbacks import sources as callback_sources
from calls.filters import forms
from calls.models import Company, Membership
from calls.pages import CSRF_STAND_IN
from tests.call_list.test_call_list import INITECH_KEY, rows_of
from tests.conftest import make_company, make_manager

SALES = "+14155551234"  # Acme's Sales line

TOKEN = re.compile(r'(?:name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")(\w{64})')


@pytest.fixture(autouse=True)
def no_kept_pages():
    pages.forget()


@pytest.fixture(autouse=True)
def still(monkeypatch):
    """No relative time ("5 min ago") moves on during a test unless the test moves it: with
    50 calls one does every second or so, and the page is rendered again for it."""
    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now)


@pytest.fixture
def renders(monkeypatch) -> list[int]:
    """How many times the list page was rendered: its summary strip is worked out only then."""
    counted: list[int] = []
    real = call_list.summarize

    def counting(calls):
        counted.append(len(calls))
        return real(calls)

    monkeypatch.setattr(call_list, "summarize", counting)
    return counted


def warm(client, path: str = "/calls/?limit=50"):
    """The page twice: fetched from Phone.inc, then read back from the cache (as every later
    view reads it); the third view is the one a test looks at."""
    client.get(path)
    client.get(path)
    return client.get(path)


def test_a_warm_page_renders_no_template(alice_client, sim):
    first = warm(alice_client)
    again = alice_client.get("/calls/?limit=50")
    assert first.status_code == again.status_code == 200
    assert again.templates == [], "a kept page skips the template engine"
    assert len(rows_of(again)) == 50
    assert [row.call_id for row in rows_of(again)] == [row.call_id for row in rows_of(first)]
    assert TOKEN.sub("", first.content.decode()) == TOKEN.sub("", again.content.decode())


def test_each_response_carries_its_own_token_for_the_cookies_secret(alice, sim):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    pages_seen = [warm(client), client.get("/calls/?limit=50")]
    secret = client.cookies["csrftoken"].value
    tokens = [TOKEN.search(page.content.decode()).group(1) for page in pages_seen]
    assert tokens[0] != tokens[1]
    assert all(_unmask_cipher_token(token) == secret for token in tokens)
    assert all(CSRF_STAND_IN not in page.content.decode() for page in pages_seen)
    signed_out = client.post("/accounts/logout/", {"csrfmiddlewaretoken": tokens[1]})
    assert signed_out.status_code == 302, "Django's CSRF check accepts the kept page's token"


def test_it_renders_again_for_what_the_layout_shows(alice_client, alice, sim, settings):
    warm(alice_client)
    assert alice_client.get("/calls/?limit=50").templates == []
    dark = alice_client.get("/calls/?limit=50&theme=dark")
    assert dark.templates and 'data-theme="dark"' in dark.content.decode()
    alice_client.get("/calls/?theme=auto")
    embedded = alice_client.get("/calls/?limit=50&embed=1")
    assert embedded.templates and 'class="embedded"' in embedded.content.decode()
    Membership.objects.filter(user=alice).update(role=Membership.ADMIN)
    admin = alice_client.get("/calls/?limit=50")
    assert admin.templates and ">Team</a>" in admin.content.decode()


def test_each_member_sees_their_own_name_on_a_kept_page(alice_client, acme, sim, django_user_model):
    warm(alice_client)
    bob = Client()
    bob.force_login(make_manager(django_user_model, "bob", acme))
    page = bob.get("/calls/?limit=50").content.decode()
    assert '<span class="user-name">bob</span>' in page
    assert '<span class="user-name">alice</span>' not in page


def test_companies_never_share_a_kept_page(alice_client, charlie, sim):
    warm(alice_client)
    charlie_client = Client()
    charlie_client.force_login(charlie)
    page = warm(charlie_client).content.decode()
    assert "Globex" in page and "Acme" not in page
    acme_ids = {row.call_id for row in rows_of(alice_client.get("/calls/?limit=50"))}
    assert acme_ids.isdisjoint(row.call_id for row in rows_of(charlie_client.get("/calls/")))


def test_errors_and_fragments_are_rendered_every_time(alice_client, sim):
    warm(alice_client)
    for _ in range(2):
        bad = alice_client.get("/calls/?limit=50&direction=sideways")
        assert bad.status_code == 400 and bad.templates
        fragment = alice_client.get(
            "/calls/?limit=50", headers={"HX-Request": "true", "HX-Target": "results"}
        )
        assert fragment.status_code == 200 and fragment.templates


def test_it_never_keeps_a_page_under_debug(alice_client, sim, settings):
    settings.DEBUG = True
    warm(alice_client)
    assert alice_client.get("/calls/?limit=50").templates


# --- The filters a query asks for --------------------------------------------------------


def test_an_invalid_query_is_checked_every_time(rf):
    query = rf.get("/calls/", {"limit": "500"}).GET
    for _ in range(2):
        form, found = forms.read_query(forms.CallFilterForm, query, Company(region="US"))
        assert found is None
        assert form.errors["limit"] == ["Phone.inc returns at most 50 calls."]


def test_the_region_reads_the_number(rf):
    query = rf.get("/calls/", {"phone_number": "(212) 555-0123", "limit": "25"}).GET
    _, american = forms.read_query(forms.CallFilterForm, query, Company(region="US"))
    assert american.phone_number == "+12125550123" and american.limit == 25
    _, british = forms.read_query(forms.CallFilterForm, query, Company(region="GB"))
    assert british != american, "the region reads the number"


# --- Kept per answer, lines, filter, time and note ---------------------------------------


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
    assert len(tokens) == 3, "each response carries a token of its own"


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


def test_it_never_keeps_a_stale_answer(alice_client, acme, sim, settings, renders):
    settings.PHONEDASH_CACHE_SECONDS = 0
    settings.PHONEDASH_STALE_SECONDS = 3600
    alice_client.get("/calls/")
    sim.set_fault(status=503)
    first = alice_client.get("/calls/").content.decode()
    second = alice_client.get("/calls/").content.decode()
    assert "stale-banner" in first and "stale-banner" in second
    assert len(renders) == 3


def test_it_keeps_nothing_under_debug(alice_client, acme, sim, settings, renders):
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
    real = callback_sources.callbacks.build

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
    assert saved.status_code == 302, "the token in the kept form is accepted"
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
