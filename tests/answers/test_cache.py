"""phonedash.redis_cache: Django's Redis cache, reusing one client per connection pool."""

from __future__ import annotations

import pytest

from phonedash.redis_cache import RedisCache
from tests.redis_server import redis_for_tests

pytestmark = pytest.mark.services


@pytest.fixture
def cache():
    return RedisCache(redis_for_tests(), {"KEY_PREFIX": "test-cache"})


def test_it_reuses_one_client_for_every_operation(cache):
    client = cache._cache.get_client()
    assert cache._cache.get_client("key", write=True) is client


def test_it_behaves_as_djangos_redis_cache(cache):
    assert cache.add("lock", "token", 10) and not cache.add("lock", "other", 10)
    cache.set("entry", (1.5, ("a", "b")), 10)
    assert cache.get("entry") == (1.5, ("a", "b")) and cache.get("lock") == "token"
    cache.delete("lock")
    assert cache.get("lock") is None


def test_it_answers_within_a_short_socket_timeout_by_default(cache, settings):
    options = cache._cache._pool_options
    assert options["socket_timeout"] == options["socket_connect_timeout"]
    assert options["socket_timeout"] == settings.PHONEDASH_REDIS_TIMEOUT <= 1


def test_it_counts_atomically_in_a_window_that_expires(cache):
    assert [cache.count("window", 30) for _ in range(3)] == [1, 2, 3]
    assert cache.get("window") == 3
    client = cache._cache.get_client()
    assert 0 < client.ttl(cache.make_key("window")) <= 30, "the window's first count set it"


def test_it_keeps_only_the_newest_keys_of_an_index(cache):
    for n in range(5):
        cache.set(f"answer{n}", n, 60)
        cache.keep_newest("index", f"answer{n}", 3, 60)
    assert [cache.get(f"answer{n}") for n in range(5)] == [None, None, 2, 3, 4]
    cache.keep_newest("index", "answer2", 3, 60)  # noted again: the newest now
    cache.set("answer5", 5, 60)
    assert cache.keep_newest("index", "answer5", 3, 60) == 1
    assert [cache.get(f"answer{n}") for n in range(2, 6)] == [2, None, 4, 5]
