"""Each company's share of the cache and of Phone.inc, and a member who floods the list.

However many distinct filters one company's member tries, another company's cached answer
stays (so during an outage it is still there to show, marked stale); the flooding member is
slowed with a message saying so before their colleagues or anyone else notice.
"""

from __future__ import annotations

import contextlib
import time
import types

import pytest
from django.test import Client

from calls.answers import quotas
from calls.answers import store as answers
from calls.phoneinc import Unavailable
from calls.sources import CallQuery
from calls.sources import window as services

# More than the local-memory cache's 5000 entries, which it would otherwise make room in by
# dropping the least recently used (another company's); Redis keeps everything until it
# expires, so there fewer show the bound as well, at ~0.4 ms a round trip.
LOCAL_FLOOD, REDIS_FLOOD = 5200, 1200
MINUTE = 60 * 29_000_000  # a minute's start, so that a test never straddles two windows


class Clock:
    """Time as the cache and the quotas see it: standing still one second into a minute."""

    def __init__(self) -> None:
        self.now = MINUTE + 1.0

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    fake = types.SimpleNamespace(time=clock.time, monotonic=time.monotonic, sleep=time.sleep)
    monkeypatch.setattr(answers, "time", fake)
    monkeypatch.setattr(quotas, "time", fake)
    return clock


@pytest.fixture
def shares(settings):
    settings.PHONEDASH_CACHE_SECONDS = 15
    settings.PHONEDASH_STALE_SECONDS = 3600
    settings.PHONEDASH_CACHE_ANSWERS_PER_COMPANY = 100
    return settings


def searched(i: int) -> str:
    return f"+1408555{i:04d}"


def test_it_keeps_another_companys_answer_whatever_one_company_floods(
    acme, globex, alice, simulator, shares, clock
):
    flood = LOCAL_FLOOD if "locmem" in shares.CACHES["default"]["BACKEND"] else REDIS_FLOOD
    shares.PHONEDASH_SEARCHES_PER_MINUTE = 100 * flood  # let the whole flood reach the cache
    shares.PHONEDASH_COMPANY_REQUESTS_PER_MINUTE = 100 * flood
    theirs = services.list_calls(globex, CallQuery())

    def fetch(i: int):
        if i % 2:
            raise Unavailable()  # a failure notice to keep for a while, for odd searches
        return ()

    for i in range(flood):
        with contextlib.suppress(Unavailable):
            answers.cached(acme, "list", searched(i), lambda i=i: fetch(i), searcher=alice.pk)

    clock.advance(120)
    simulator.set_fault(status=503)  # an outage: what the cache kept is all there is
    answer = services.list_calls(globex, CallQuery())
    assert answer.is_stale, "Globex's answer outlived Acme's flood"
    assert [call.id for call in answer.value] == [call.id for call in theirs.value]

    def kept(suffix: str) -> list[int]:
        keys = {i: answers.cache_key(acme, "list", searched(i)) + suffix for i in range(flood)}
        return [i for i, key in keys.items() if answers.shared.get(key) is not None]

    newest = list(range(flood - 200, flood))
    assert kept("") == newest[::2], "Acme keeps its 100 newest answers, no more"
    assert kept(":failed") == newest[1::2], "and as many failure notices"


def test_it_slows_a_member_who_floods_the_list_with_searches(
    alice_client, bob, charlie, simulator, settings, clock
):
    settings.PHONEDASH_SEARCHES_PER_MINUTE = 5
    for i in range(5):
        assert alice_client.get("/calls/", {"phone_number": searched(i)}).status_code == 200

    response = alice_client.get("/calls/", {"phone_number": searched(99)})
    assert response.status_code == 429
    assert response["Retry-After"] == "59"
    page = response.content.decode()
    assert "You are searching faster than phonedash can ask Phone.inc; wait 59 seconds." in page
    assert simulator.request_count("/api/") == 5, "the sixth search was not sent"

    again = alice_client.get("/calls/", {"phone_number": searched(0)})
    assert again.status_code == 200, "an answer already cached costs no search"
    for colleague in (bob, charlie):  # another member of Acme, and another company
        client = Client()
        client.force_login(colleague)
        assert client.get("/calls/", {"phone_number": searched(99)}).status_code == 200


def test_it_lets_a_member_search_again_the_next_minute(alice_client, simulator, settings, clock):
    settings.PHONEDASH_SEARCHES_PER_MINUTE = 1
    assert alice_client.get("/calls/", {"phone_number": searched(1)}).status_code == 200
    assert alice_client.get("/calls/", {"phone_number": searched(2)}).status_code == 429
    clock.advance(59)
    assert alice_client.get("/calls/", {"phone_number": searched(3)}).status_code == 200


def test_it_bounds_a_companys_requests_to_phone_inc_per_minute(
    acme, globex, simulator, settings, clock
):
    settings.PHONEDASH_COMPANY_REQUESTS_PER_MINUTE = 3
    for limit in (1, 2, 3):
        services.list_calls(acme, CallQuery(limit=limit))
    with pytest.raises(quotas.CompanyOverQuota) as over:
        services.list_calls(acme, CallQuery(limit=4))
    assert (over.value.status, over.value.retry_after) == (429, 59)
    assert "Your company's pages are asking Phone.inc for more" in over.value.message
    with pytest.raises(quotas.CompanyOverQuota):
        services.get_call_fresh(acme, "0193f4ba-1234-7c00-9e3d-2b2b8a7f1c11")
    assert simulator.request_count("/api/") == 3
    assert services.list_calls(acme, CallQuery(limit=1)).from_cache, "cached: no request"
    assert services.list_calls(globex, CallQuery(limit=4)).value, "Globex has its own share"
