"""The embedded layout inside a portal's iframe, kept through login and links; safe redirects."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.test import Client

from phonedash.urlquery import with_embed
from tests.conftest import ACME_KEY, PASSWORD

FRAMED = {"Sec-Fetch-Dest": "iframe"}
SITE_HEADER = 'class="site-header"'


@pytest.fixture
def ended_call(simulator):
    return simulator.add_call(ACME_KEY, state="ended", from_="+14085550199", summary="Order")


def asks_for_embed(url: str) -> bool:
    return ("embed", "1") in parse_qsl(urlsplit(url).query)


def page_links(html: str) -> list[str]:
    """Links and htmx requests to our pages (downloads aside); GET forms as their action
    plus ?embed=1 when they carry the hidden embed field."""
    urls = []
    for tag in re.findall(r"<(?:a|div)\b[^>]*>", html):
        urls += re.findall(r'(?:href|hx-get)="([^"]*)"', tag)
    for form in re.findall(r'<form method="get".*?</form>', html, re.DOTALL):
        action = re.search(r'action="([^"]*)"', form).group(1)
        carries = '<input type="hidden" name="embed" value="1">' in form
        urls.append(action + ("?embed=1" if carries else ""))
    return [
        url.replace("&amp;", "&")
        for url in urls
        if url.startswith(("/calls/", "?")) and not url.endswith(("/recording/", "transcript.txt"))
    ]


def test_it_shows_the_site_header_when_not_embedded(alice_client, ended_call):
    page = alice_client.get("/calls/").content.decode()
    assert SITE_HEADER in page and "Sign out" in page
    assert not [url for url in page_links(page) if asks_for_embed(url)]


@pytest.mark.parametrize("how", ["query", "framed"])
def test_it_drops_the_site_chrome_when_embedded(alice_client, ended_call, how):
    kwargs = {"headers": FRAMED} if how == "framed" else {"data": {"embed": "1"}}
    response = alice_client.get("/calls/", **kwargs)
    page = response.content.decode()
    assert response.status_code == 200
    assert SITE_HEADER not in page and 'class="embedded"' in page
    assert "Sec-Fetch-Dest" in response["Vary"], "a cache must not mix the two layouts"
    assert 'class="embed-footer"' in page and "Sign out" in page, "a way out inside the frame"


def test_it_keeps_embed_through_list_detail_and_back(alice_client, ended_call):
    listing = alice_client.get("/calls/?embed=1").content.decode()
    links = page_links(listing)
    detail_link = f"/calls/{ended_call['id']}/?embed=1"
    assert detail_link in links
    assert all(asks_for_embed(url) for url in links), links

    detail = alice_client.get(detail_link).content.decode()
    assert SITE_HEADER not in detail
    back = page_links(detail)
    assert "/calls/?embed=1" in back
    assert all(asks_for_embed(url) for url in back), back


def test_it_keeps_embed_in_htmx_fragments(alice_client, ended_call):
    fragment = alice_client.get(
        "/calls/?direction=inbound",
        headers={
            "HX-Request": "true",
            "HX-Target": "results",
            "HX-Current-URL": "http://testserver/calls/?embed=1",
        },
    ).content.decode()
    links = page_links(fragment)
    assert links and all(asks_for_embed(url) for url in links), links


def test_it_keeps_embed_on_error_pages(alice_client, charlie, ended_call):
    for url in ("/calls/no-such-call/?embed=1", "/nowhere/?embed=1"):
        page = alice_client.get(url)
        assert page.status_code == 404
        html = page.content.decode()
        assert SITE_HEADER not in html
        assert page_links(html) and all(asks_for_embed(u) for u in page_links(html)), url


def test_it_keeps_embed_through_login(alice, simulator):
    browser = Client()
    to_login = browser.get("/calls/?embed=1")
    assert to_login.status_code == 302
    login_page = browser.get(to_login["Location"])
    html = login_page.content.decode()
    assert SITE_HEADER not in html
    action = re.search(r'<form method="post" action="([^"]+)"', html).group(1)
    next_url = re.search(r'name="next" value="([^"]+)"', html).group(1)
    assert asks_for_embed(action) and asks_for_embed(next_url)

    wrong = browser.post(action, {"username": "alice", "password": "nope", "next": next_url})
    assert SITE_HEADER not in wrong.content.decode(), "a failed login stays in the frame"
    signed_in = browser.post(action, {"username": "alice", "password": PASSWORD, "next": next_url})
    assert signed_in.status_code == 302
    assert urlsplit(signed_in["Location"]).path == "/calls/"
    assert asks_for_embed(signed_in["Location"])
    assert SITE_HEADER not in browser.get(signed_in["Location"]).content.decode()


@pytest.mark.parametrize("next_url", ["", "/calls/", "/calls/?state=ended"])
def test_it_adds_embed_to_the_redirect_after_a_framed_login(alice, simulator, next_url):
    response = Client().post(
        "/accounts/login/",
        {"username": "alice", "password": PASSWORD, "next": next_url},
        headers=FRAMED,
    )
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == "/calls/"
    assert asks_for_embed(response["Location"])
    if next_url.endswith("state=ended"):
        assert ("state", "ended") in parse_qsl(urlsplit(response["Location"]).query)


def test_it_does_not_add_embed_to_an_ordinary_login(alice, simulator):
    response = Client().post(
        "/accounts/login/", {"username": "alice", "password": PASSWORD, "next": "/calls/"}
    )
    assert response["Location"] == "/calls/"


# --- Open redirects --------------------------------------------------------------------------

EVIL = [
    "https://evil.example",
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "https:evil.example",
    " //evil.example",
    "http://testserver@evil.example/",
    "javascript:alert(1)",
    "///evil.example",
]


def is_local(location: str) -> bool:
    parts = urlsplit(location)
    return (
        not parts.scheme
        and not parts.netloc
        and location.startswith("/")
        and not location.startswith(("//", "/\\"))
    )


@pytest.mark.parametrize("next_url", EVIL)
@pytest.mark.parametrize("framed", [False, True])
def test_it_never_redirects_a_login_off_site(alice, simulator, next_url, framed):
    browser = Client()
    headers = FRAMED if framed else {}
    page = browser.get("/accounts/login/", {"next": next_url}, headers=headers)
    assert page.status_code == 200
    response = browser.post(
        "/accounts/login/",
        {"username": "alice", "password": PASSWORD, "next": next_url},
        headers=headers,
    )
    assert response.status_code == 302
    assert is_local(response["Location"]), response["Location"]
    assert urlsplit(response["Location"]).path == "/calls/"
    # Already signed in, the login page redirects at once: the same check applies.
    again = browser.get("/accounts/login/", {"next": next_url}, headers=headers)
    assert again.status_code == 302 and is_local(again["Location"]), again["Location"]


@pytest.mark.parametrize("next_url", EVIL)
def test_it_never_redirects_a_logout_off_site(alice_client, next_url):
    response = alice_client.post("/accounts/logout/", {"next": next_url})
    assert response.status_code == 302
    assert is_local(response["Location"]), response["Location"]


def test_it_follows_a_local_next(alice, simulator):
    """The checks above could fail: a local next is honoured."""
    response = Client().post(
        "/accounts/login/",
        {"username": "alice", "password": PASSWORD, "next": "/calls/?state=ended"},
    )
    assert response["Location"] == "/calls/?state=ended"


@pytest.mark.parametrize(
    ("url", "embedded"),
    [
        ("/calls/", "/calls/?embed=1"),
        ("/calls/?state=ended#top", "/calls/?state=ended&embed=1#top"),
        ("/calls/?embed=1", "/calls/?embed=1"),
        ("http://[/calls/?q=", "http://[/calls/?q=&embed=1"),  # urlsplit() raised here
    ],
)
def test_it_adds_embed_to_a_url_without_parsing_its_host(url, embedded):
    assert with_embed(url) == embedded
