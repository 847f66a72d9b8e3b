"""A forced colour theme: ?theme=light|dark on any page, kept by a browser-session cookie."""

from __future__ import annotations

import pytest

from calls.models import Membership
from phonedash.theme import COOKIE

DARK_HTML = '<html lang="en" data-theme="dark">'


def test_it_follows_the_device_by_default(alice_client):
    page = alice_client.get("/calls/").content.decode()
    assert '<html lang="en">' in page
    assert '<meta name="color-scheme" content="light dark">' in page


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_it_forces_the_theme_asked_for_and_keeps_it(alice_client, theme):
    response = alice_client.get("/calls/", {"theme": theme})
    assert f'<html lang="en" data-theme="{theme}">' in response.content.decode()
    assert f'<meta name="color-scheme" content="{theme}">' in response.content.decode()
    cookie = response.cookies[COOKIE]
    assert cookie.value == theme and cookie["httponly"] and not cookie["max-age"]
    assert "Cookie" in response["Vary"]

    # Later pages carry no query: links, redirects and htmx requests need not repeat it.
    later = alice_client.get("/calls/?direction=inbound", headers={"HX-Request": "true"})
    assert COOKIE not in later.cookies, "set once, not on every response"
    assert f'<html lang="en" data-theme="{theme}">' in alice_client.get("/calls/").content.decode()


@pytest.mark.parametrize("value", ["purple", "DARK", "", "dark<script>"])
def test_it_ignores_a_theme_it_does_not_know(alice_client, value):
    response = alice_client.get("/calls/", {"theme": value})
    page = response.content.decode()
    assert response.status_code == 200
    assert "data-theme" not in page and COOKIE not in response.cookies


def test_it_ignores_a_tampered_cookie(alice_client):
    alice_client.cookies[COOKIE] = '"><script>'
    assert "data-theme" not in alice_client.get("/calls/").content.decode()


def test_it_goes_back_to_the_device_with_auto(alice_client):
    alice_client.get("/calls/", {"theme": "dark"})
    response = alice_client.get("/calls/", {"theme": "auto"})
    assert "data-theme" not in response.content.decode()
    assert response.cookies[COOKIE]["max-age"] == 0
    assert "data-theme" not in alice_client.get("/calls/").content.decode()


def test_it_keeps_the_theme_through_signing_in(client, alice, simulator):
    """The portal's frame opens on the login page: the theme is there and after it."""
    login = client.get("/calls/?theme=dark", follow=True)
    assert login.redirect_chain[-1][0].startswith("/accounts/login/")
    assert DARK_HTML in login.content.decode()
    client.force_login(alice)
    assert DARK_HTML in client.get("/calls/").content.decode()


def test_it_partitions_the_cookie_inside_a_portal(alice_client, settings):
    settings.PHONEDASH_FRAME_ANCESTORS = ["https://intranet.example.com"]
    settings.SESSION_COOKIE_SAMESITE = "None"
    settings.SESSION_COOKIE_SECURE = True
    response = alice_client.get("/calls/?embed=1&theme=dark")
    cookie = response.cookies[COOKIE]
    assert cookie["secure"] and cookie["samesite"] == "None; Partitioned"
    assert DARK_HTML in response.content.decode()


def test_it_themes_error_pages_too(alice_client):
    response = alice_client.get("/no/such/page/?theme=dark")
    assert response.status_code == 404
    assert DARK_HTML in response.content.decode()


@pytest.mark.parametrize(
    "path", ["/calls/", "/calls/callbacks/", "/calls/insights/", "/team/", "/audit/"]
)
def test_it_takes_the_theme_on_any_page_a_portal_may_frame(alice_client, alice, path):
    """No page's own query checks turn the extra parameter into an error."""
    Membership.objects.filter(user=alice).update(role=Membership.ADMIN)
    response = alice_client.get(path, {"theme": "dark", "embed": "1"})
    assert response.status_code == 200
    assert DARK_HTML in response.content.decode()
