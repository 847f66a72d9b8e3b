"""Whole pages kept rendered (calls.pages): a warm page is served without the template engine,
and rendered again for anything it shows that differs (who is signed in, their company and
role, the navigation's count, the theme, the embedded switch); never kept for an error or a
fragment; each response carries its own CSRF token, which Django's CSRF check accepts."""

from __future__ import annotations

import re

import pytest
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client

from calls import forms, pages
from calls.models import Membership
from calls.templatetags.memoised_content import CSRF_STAND_IN
from phonedash import csrf_token
from tests.conftest import make_manager
from tests.test_call_list import rows_of
from tests.test_memoised_content import still  # noqa: F401  (no relative time moves on)

TOKEN = re.compile(r'(?:name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")(\w{64})')


@pytest.fixture(autouse=True)
def no_kept_pages():
    pages.forget()


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


def test_a_valid_query_is_read_once(rf):
    query = rf.get("/calls/", {"phone_number": "(212) 555-0123", "limit": "25"}).GET
    form, filters = forms.read_filters(forms.CallFilterForm, query, "US")
    assert isinstance(form, forms.CallFilterForm)
    again, same = forms.read_filters(forms.CallFilterForm, query, "US")
    assert same == filters and same.phone_number == "+12125550123" and same.limit == 25
    assert again.__class__ is forms.CallFilterForm and again.is_valid(), "built when asked for"
    _, british = forms.read_filters(forms.CallFilterForm, query, "GB")
    assert british != filters, "the region reads the number"


def test_an_invalid_query_is_checked_every_time(rf):
    query = rf.get("/calls/", {"limit": "500"}).GET
    for _ in range(2):
        form, filters = forms.read_filters(forms.CallFilterForm, query, "US")
        assert filters is None
        assert form.errors["limit"] == ["Phone.inc returns at most 50 calls."]


# --- CSRF tokens ------------------------------------------------------------------------------


def test_random_chars_are_of_the_alphabet_and_all_of_it():
    drawn = "".join(csrf_token.random_chars(32) for _ in range(200))
    assert len(drawn) == 6400
    assert set(drawn) == set(csrf_token.CHARS)
    counts = [drawn.count(char) for char in csrf_token.CHARS]
    assert min(counts) > 50 and max(counts) < 170, "about 103 of each"
