"""No shared cache keeps a company's data: every route a member reaches says so.

Every GET route of phonedash (checked against the URL configuration, so a new one cannot be
missed), as a page and as each htmx fragment it has, and the answers to POSTs and errors,
carries Cache-Control: private, no-store and a Vary naming the request headers it depends on.
Static files keep their long-lived caching; the health checks and the login page say never
to cache themselves.
"""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from calls.models import Membership, Note
from tests.conftest import ACME_KEY

HX = {"HX-Request": "true"}


@pytest.fixture
def admin_client(client, alice, simulator):
    Membership.objects.filter(user=alice).update(role=Membership.ADMIN)
    client.force_login(alice)
    return client


@pytest.fixture
def call_id(simulator):
    return simulator.add_call(
        ACME_KEY,
        state="ended",
        summary="Renewal",
        transcription_segments=[{"speaker": "Caller", "text": "Hello there"}],
    )["id"]


def pages(call_id: str, member_id: int, note_id: int) -> list[tuple[str, str, dict]]:
    """(URL name, path, headers): every route a member GETs, and each fragment it has."""
    detail = f"/calls/{call_id}/"
    return [
        ("index", "/", {}),
        ("calls:list", "/calls/", {}),
        ("calls:list", "/calls/?state=ended", {**HX, "HX-Target": "results"}),
        ("calls:list", "/calls/?phone_number=nonsense", {}),  # 400 beside the field
        ("calls:callbacks", "/calls/callbacks/", {}),
        ("calls:callbacks", "/calls/callbacks/?show=open", {**HX, "HX-Target": "board"}),
        ("calls:insights", "/calls/insights/", {}),
        ("calls:insights", "/calls/insights/?sort=calls", {**HX, "HX-Target": "employees"}),
        ("calls:export", "/calls/export.csv", {}),
        ("calls:search", "/calls/search/?q=hello", {}),  # history off: what search needs
        ("calls:search", "/calls/search/?q=hello", {**HX, "HX-Target": "results"}),
        ("calls:detail", detail, {}),
        ("calls:detail", detail, {**HX, "HX-Target": "call"}),
        ("calls:detail", detail + "?q=hello", {**HX, "HX-Target": "transcript"}),
        ("calls:detail", detail, {**HX, "HX-Target": "related"}),
        ("calls:detail", "/calls/nosuchcall/", {}),  # 404 from Phone.inc
        ("calls:recording", detail + "recording/", {}),
        ("calls:transcript", detail + "transcript.txt", {}),
        ("calls:notes", detail + "notes/", {}),  # GET: 405
        ("calls:notes_all", detail + "notes/all/", {}),
        ("calls:note_delete", f"{detail}notes/{note_id}/delete/", {}),  # GET: 405
        ("team", "/team/", {}),
        ("team_add", "/team/add/", {}),
        ("team_member", f"/team/{member_id}/", {}),
        ("team_deactivate", f"/team/{member_id}/deactivate/", {}),  # GET: 405
        ("team_reactivate", f"/team/{member_id}/reactivate/", {}),  # GET: 405
        ("audit", "/audit/", {}),
        ("audit_export", "/audit/export.csv", {}),
        ("calls:history_settings", "/team/history/", {}),
        ("calls:history_token", "/team/history/token/", {}),  # GET: 405
        ("password_change", "/accounts/password_change/", {}),
        ("password_change_done", "/accounts/password_change/done/", {}),
        ("logout", "/accounts/logout/", {}),  # GET: 405
    ]


# Routes without a member's data: anonymous ones (the webhook's credential is its token),
# and Django admin (superusers, its own rules).
NOT_A_MEMBERS = {"login", "healthz", "readyz", "calls:hook"}


def named_routes(patterns=None, prefix: str = "") -> set[str]:
    names = set()
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                continue
            space = f"{pattern.namespace}:" if pattern.namespace else ""
            names |= named_routes(pattern.url_patterns, prefix + space)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(prefix + pattern.name)
    return names


def vary_of(response) -> set[str]:
    return {part.strip().lower() for part in response.get("Vary", "").split(",") if part.strip()}


def directives(response) -> set[str]:
    return {part.strip().split("=")[0] for part in response.get("Cache-Control", "").split(",")}


def test_it_covers_every_route(alice, db):
    tested = {name for name, _path, _headers in pages("c1", 1, 1)}
    assert named_routes() - NOT_A_MEMBERS == tested


def test_it_keeps_every_members_page_and_fragment_out_of_shared_caches(admin_client, call_id, bob):
    note = Note.objects.create(
        company=bob.membership.company, call_id=call_id, author=bob, author_name="bob", text="x"
    )
    seen = []
    for name, path, headers in pages(call_id, bob.membership.pk, note.pk):
        response = admin_client.get(path, headers=headers)
        seen.append(response.status_code)
        assert {"private", "no-store"} <= directives(response), (name, path, response.status_code)
        vary = vary_of(response)
        assert "cookie" in vary, (name, path, vary)
        if response.get("Content-Type", "").startswith("text/html"):
            assert {"hx-current-url", "sec-fetch-dest"} <= vary, (name, path, vary)
        if name in ("calls:list", "calls:detail", "calls:callbacks", "calls:insights"):
            assert {"hx-request", "hx-target"} <= vary, (name, path, vary)
        if name in ("calls:list", "calls:insights"):
            assert "hx-current-url" in vary  # push or replace the address
    assert {200, 302, 400, 404, 405} <= set(seen)


def test_it_keeps_the_answers_to_posts_private(admin_client, call_id):
    response = admin_client.post(f"/calls/{call_id}/notes/", {"text": "Called back"})
    assert response.status_code in (200, 302, 303)
    assert {"private", "no-store"} <= directives(response)
    response = admin_client.post(f"/calls/{call_id}/notes/", {"text": "Again"}, headers=HX)
    assert {"private", "no-store"} <= directives(response)


def test_it_keeps_what_views_say_about_caching_and_adds_to_it(admin_client, call_id):
    """A view's own no-store or max-age=0 stays; private is added where it was missing."""
    response = admin_client.get(f"/calls/{call_id}/recording/")
    cache_control = directives(response)
    assert {"private", "no-store"} <= cache_control
    response = admin_client.get(f"/calls/{call_id}/transcript.txt")
    assert {"private", "no-store", "max-age"} <= directives(response)


def test_it_sends_an_expired_htmx_session_to_login_with_vary(client, simulator):
    response = client.get("/calls/", headers={**HX, "HX-Current-URL": "http://testserver/calls/"})
    assert {"hx-request", "hx-current-url"} <= vary_of(response)
    response = client.get("/calls/")
    assert response.status_code == 302
    assert {"hx-request", "hx-current-url"} <= vary_of(response)


def test_it_leaves_static_files_and_health_checks_their_own(client, db):
    page = client.get("/accounts/login/")
    assert "no-store" in directives(page)  # the login page never caches itself
    stylesheet = re.search(r'href="(/static/[^"]+\.css)"', page.content.decode())
    assert stylesheet
    for path in ("/healthz", "/readyz"):
        assert "no-store" in directives(client.get(path))
