"""One company never sees another's calls: lists, details, recordings, transcripts, the cache."""

from __future__ import annotations

import re

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import resolve
from django.utils import timezone

from calls.answers import store as answers
from calls.sources import window as services
from tests.conftest import ACME_KEY, GLOBEX_KEY, PASSWORD

ACME_SECRET = "Acme-only summary: the merger closes on Friday"


@pytest.fixture
def acme_call(simulator):
    return simulator.add_call(
        ACME_KEY,
        state="ended",
        summary=ACME_SECRET,
        transcription_segments=[{"speaker": "Caller", "text": ACME_SECRET}],
    )


def call_ids(html: str) -> set[str]:
    """The calls a page links to (not its other pages under /calls/, such as insights)."""
    found = set(re.findall(r'href="/calls/([A-Za-z0-9_-]+)/', html))
    return {id for id in found if resolve(f"/calls/{id}/").url_name == "detail"}


def companies_asked(simulator) -> set[str | None]:
    return {request.company for request in simulator.requests}


@pytest.mark.parametrize(
    "suffix",
    ["", "recording/", "transcript.txt", "?q=merger", "?embed=1"],
)
def test_it_answers_404_for_another_companys_call(
    alice_client, charlie, simulator, acme_call, suffix
):
    url = f"/calls/{acme_call['id']}/{suffix}"
    assert alice_client.get(url).status_code in (200, 302), "Acme sees its own call"
    simulator.reset_stats()
    alice_client.force_login(charlie)  # the same browser, now Globex's manager
    for headers in ({}, {"HX-Request": "true", "HX-Target": "call"}):
        response = alice_client.get(url, headers=headers)
        assert response.status_code == 404
        assert ACME_SECRET not in response.content.decode()
        assert "Location" not in response
    assert companies_asked(simulator) <= {"Globex"}, "asked with Globex's key, never Acme's"


def test_it_never_serves_one_companys_cached_call_to_another(
    alice_client, charlie_client_second, simulator, acme_call
):
    url = f"/calls/{acme_call['id']}/"
    alice_client.get(url)
    alice_client.get(url)
    simulator.reset_stats()
    response = charlie_client_second.get(url)
    assert response.status_code == 404
    assert simulator.request_count() >= 1, "charlie's request went to Phone.inc, not the cache"
    assert companies_asked(simulator) == {"Globex"}


@pytest.fixture
def charlie_client_second(charlie, simulator):
    """charlie in a second browser, alongside alice_client."""
    client = Client()
    client.force_login(charlie)
    return client


def test_it_lists_only_the_users_companys_calls(
    alice_client, charlie_client_second, simulator, acme_call
):
    acme_page = alice_client.get("/calls/?limit=50").content.decode()
    simulator.reset_stats()
    globex_page = charlie_client_second.get("/calls/?limit=50").content.decode()
    acme_ids, globex_ids = call_ids(acme_page), call_ids(globex_page)
    assert acme_call["id"] in acme_ids and acme_ids and globex_ids
    assert not acme_ids & globex_ids
    assert {call["id"] for call in simulator.calls_for(GLOBEX_KEY, "")} >= globex_ids
    assert simulator.request_count() >= 1 and companies_asked(simulator) == {"Globex"}
    assert ACME_SECRET not in globex_page and "Acme Corp" not in globex_page


def test_it_shares_the_cache_within_a_company_only(acme, globex, alice, bob, simulator):
    """bob reads what alice fetched; charlie's identical filters still go to Phone.inc."""
    browsers = {}
    for user in (alice, bob):
        browsers[user.username] = Client()
        browsers[user.username].force_login(user)
    browsers["alice"].get("/calls/?state=ended")
    simulator.reset_stats()
    browsers["bob"].get("/calls/?state=ended")
    assert simulator.request_count() == 0

    filters = services.CallQuery(state="ended")
    acme_key = answers.cache_key(acme, "list", repr(sorted(filters.upstream().items())))
    globex_key = answers.cache_key(globex, "list", repr(sorted(filters.upstream().items())))
    assert acme_key != globex_key
    assert f":{acme.pk}:" in acme_key and f":{globex.pk}:" in globex_key


def test_it_keys_every_cached_answer_by_company(
    alice_client, charlie_client_second, simulator, acme, globex, acme_call
):
    alice_client.get("/calls/")
    alice_client.get(f"/calls/{acme_call['id']}/")
    charlie_client_second.get("/calls/")
    backend = caches["default"]
    if type(backend).__name__ == "LocMemCache":
        keys = [key for key in backend._cache if ":calls:" in key]
    elif type(backend).__name__ == "RedisCache":
        client = backend._cache.get_client()
        keys = [key.decode() for key in client.keys("*:calls:*")]
    else:
        pytest.fail(f"no way to list the {type(backend).__name__} cache's keys")
    owners = {re.search(r":calls:v\d+:(\d+):", key).group(1) for key in keys}
    assert owners == {str(acme.pk), str(globex.pk)}, keys


def test_it_changes_cache_keys_when_a_company_gets_a_new_key(acme):
    before = answers.cache_key(acme, "list", "x")
    acme.set_api_key(GLOBEX_KEY)
    assert answers.cache_key(acme, "list", "x") != before


@pytest.mark.parametrize("url", ["/calls/", "/calls/?phone_number=nope", "/calls/no-such-call/"])
def test_it_leaves_no_companys_time_zone_behind_on_the_thread(charlie_client, settings, url):
    """Workers reuse threads: Globex's zone must not become the next request's (another
    company's pages, the login page, the admin) on the same thread."""
    assert timezone.get_current_timezone_name() == settings.TIME_ZONE
    charlie_client.get(url)
    assert timezone.get_current_timezone_name() == settings.TIME_ZONE


def test_it_shows_a_user_without_a_company_a_page_and_asks_nobody(
    db, simulator, django_user_model, acme_call
):
    user = django_user_model.objects.create_user("drifter", password=PASSWORD)
    client = Client()
    client.force_login(user)
    for url in ("/calls/", f"/calls/{acme_call['id']}/", f"/calls/{acme_call['id']}/recording/"):
        response = client.get(url)
        assert response.status_code == 403
        assert "not linked to a company" in response.content.decode()
    assert simulator.request_count() == 0


def test_it_asks_anonymous_visitors_to_sign_in_first(db, simulator, acme_call):
    client = Client()
    for url in (
        "/calls/",
        f"/calls/{acme_call['id']}/",
        f"/calls/{acme_call['id']}/recording/",
        f"/calls/{acme_call['id']}/transcript.txt",
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    assert simulator.request_count() == 0
