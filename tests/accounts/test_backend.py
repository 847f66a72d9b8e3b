"""The authentication backend loads the signed-in user's company in the same query; a session
is read only while it lasts; an htmx request whose session has expired sends the whole window
to the login page."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from calls.accounts.backend import CompanyUserBackend
from calls.models import Membership, company_of
from phonedash.sessions import SessionStore


def test_it_loads_the_company_with_the_user(alice, acme, django_assert_num_queries):
    with django_assert_num_queries(1):
        user = CompanyUserBackend().get_user(alice.pk)
        assert company_of(user) == acme


def test_it_loads_every_field_as_the_orm_does(alice, acme, django_user_model):
    Membership.objects.filter(user=alice).update(lines=["+14155551234"], must_change_password=True)
    loaded = CompanyUserBackend().get_user(alice.pk)
    by_orm = django_user_model.objects.select_related("membership__company").get(pk=alice.pk)
    pairs = [
        (loaded, by_orm),
        (loaded.membership, by_orm.membership),
        (loaded.membership.company, by_orm.membership.company),
    ]
    for mine, theirs in pairs:
        for field in type(theirs)._meta.concrete_fields:
            value, expected = getattr(mine, field.attname), getattr(theirs, field.attname)
            assert value == expected and type(value) is type(expected), field.name
    assert loaded.membership.lines == ["+14155551234"] and loaded.membership.user is loaded
    assert loaded.date_joined.tzinfo is not None and loaded.is_active is True
    assert CompanyUserBackend().get_user(alice.pk + 1000) is None


def test_it_knows_a_user_without_a_company_in_that_query(
    django_user_model, django_assert_num_queries
):
    loner = django_user_model.objects.create_user("loner", password="x-long-enough-password")
    with django_assert_num_queries(1):
        assert company_of(CompanyUserBackend().get_user(loner.pk)) is None


def test_it_still_refuses_an_inactive_user(alice):
    alice.is_active = False
    alice.save()
    assert CompanyUserBackend().get_user(alice.pk) is None


def test_it_finds_the_company_of_a_user_loaded_elsewhere(
    alice, acme, django_user_model, django_assert_num_queries
):
    user = django_user_model.objects.get(pk=alice.pk)
    with django_assert_num_queries(1):  # membership and company together
        assert company_of(user) == acme
        assert company_of(user) == acme


def test_it_signs_in_through_the_login_page(client, alice, simulator):
    response = client.post(
        "/accounts/login/", {"username": "alice", "password": "correct-horse-battery-staple"}
    )
    assert response.status_code == 302
    assert client.get("/calls/").status_code == 200


# --- An expired session on an htmx request ----------------------------------------------------

HTMX = {"HX-Request": "true", "HX-Target": "results"}


def test_it_sends_an_htmx_request_without_a_session_to_the_login_page_as_a_whole(client, db):
    """A 302 would be followed by the browser and the login page swapped into #results."""
    response = client.get(
        "/calls/",
        {"direction": "inbound"},
        headers={**HTMX, "HX-Current-URL": "http://testserver/calls/?direction=outbound&embed=1"},
    )

    assert response.status_code == 200
    assert "Location" not in response
    assert response["HX-Redirect"] == (
        "/accounts/login/?next=%2Fcalls%2F%3Fdirection%3Doutbound%26embed%3D1"
    )
    login = client.get(response["HX-Redirect"]).content.decode()
    assert 'class="embedded"' in login  # still the portal's compact layout


def test_it_sends_a_poll_back_to_its_call_after_signing_in(client, db):
    response = client.get(
        "/calls/abc123/",
        headers={
            "HX-Request": "true",
            "HX-Target": "call",
            "HX-Current-URL": "http://x/calls/abc123/",
        },
    )
    assert response["HX-Redirect"] == "/accounts/login/?next=%2Fcalls%2Fabc123%2F"


@pytest.mark.parametrize(
    "current",
    [
        "",
        "http://[",
        "javascript:alert(1)",
        "//evil.example/calls/",
        "http://evil.example//evil.example/calls/",
        "http://testserver/\\evil.example",
        "https://evil.example",
    ],
)
def test_it_only_ever_sends_a_user_back_to_a_local_path(client, db, current):
    response = client.get("/calls/", headers={**HTMX, "HX-Current-URL": current})

    assert response.status_code == 200
    target = response["HX-Redirect"]
    assert target.startswith("/accounts/login/?next=")
    nxt = parse_qs(urlsplit(target).query)["next"][0]
    assert nxt.startswith("/") and not nxt.startswith("//") and "\\" not in nxt
    assert url_has_allowed_host_and_scheme(nxt, allowed_hosts={"testserver"})


def test_it_still_redirects_a_plain_request_to_the_login_page(client, db):
    response = client.get("/calls/", headers={"HX-Current-URL": "http://testserver/calls/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/calls/"
    assert "HX-Redirect" not in response


def test_it_leaves_other_redirects_of_htmx_requests_alone(alice_client):
    response = alice_client.get("/", headers=HTMX)
    assert response.status_code == 302 and response["Location"] == "/calls/"


def test_it_reads_a_live_session_and_drops_an_expired_or_unknown_one(client, alice):
    client.force_login(alice)
    key = client.cookies["sessionid"].value
    assert SessionStore(key).load()[SESSION_KEY] == str(alice.pk)
    gone = timezone.now() - timedelta(seconds=1)
    Session.objects.filter(session_key=key).update(expire_date=gone)
    expired = SessionStore(key)
    assert expired.load() == {} and expired.session_key is None
    assert client.get("/calls/").status_code == 302, "signed out: to the login page"
    unknown = SessionStore("a" * 32)
    assert unknown.load() == {} and unknown.session_key is None
