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
