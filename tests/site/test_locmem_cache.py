"""phonedash.locmem_cache: the cache without Redis is bounded in bytes as well as entries."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.test import override_settings

from phonedash.locmem_cache import LocMemCache

KB = 1024


def bounded(name: str, **options) -> LocMemCache:
    cache = LocMemCache(name, {"OPTIONS": {"MAX_ENTRIES": 1000, **options}})
    cache.clear()
    return cache


def test_it_keeps_the_newest_entries_within_its_bytes():
    cache = bounded("bytes", MAX_BYTES=500 * KB)
    for n in range(20):
        cache.set(f"k{n}", b"x" * (100 * KB))
    assert cache.bytes <= 500 * KB
    assert cache.get("k19") is not None and cache.get("k0") is None
    assert 3 <= len(cache._cache) <= 4


def test_it_lets_the_least_recently_read_go_first():
    cache = bounded("lru", MAX_BYTES=300 * KB, MAX_ENTRY_BYTES=100 * KB)
    for n in range(3):
        cache.set(f"k{n}", b"x" * (90 * KB))
    assert cache.get("k0") is not None  # read: now the most recent
    cache.set("k3", b"x" * (90 * KB))
    assert cache.get("k0") is not None and cache.get("k1") is None


def test_it_does_not_keep_a_value_that_would_push_out_most_of_the_rest():
    cache = bounded("entry", MAX_BYTES=400 * KB)
    cache.set("small", b"s" * KB)
    cache.set("big", b"old")
    cache.set("big", b"x" * (200 * KB))  # over a quarter of the bytes
    assert cache.get("big") is None, "never the older value in its stead"
    assert cache.get("small") is not None
    assert cache.add("big", b"x" * (200 * KB)) is True and cache.get("big") is None


def test_it_still_bounds_its_entries():
    cache = LocMemCache("entries", {"OPTIONS": {"MAX_ENTRIES": 10, "MAX_BYTES": 10 * 1024 * KB}})
    cache.clear()
    for n in range(50):
        cache.set(f"k{n}", n)
    assert len(cache._cache) == 10 and cache.get("k49") == 49 and cache.get("k0") is None


def test_it_counts_deletes_expiry_clear_and_counters():
    cache = bounded("count", MAX_BYTES=1024 * KB)
    cache.set("a", b"x" * (10 * KB))
    cache.set("gone", b"x" * (10 * KB), timeout=-1)  # expired at once
    assert cache.get("gone") is None
    one = cache.bytes
    cache.set("b", b"x" * (10 * KB))
    cache.delete("b")
    assert cache.bytes == one
    cache.set("n", 1, timeout=60)
    expiry = cache._expire_info[cache.make_key("n")]
    assert cache.incr("n", 5) == 6 and cache.get("n") == 6
    assert cache._expire_info[cache.make_key("n")] == expiry
    cache.clear()
    assert cache.bytes == 0 and not cache._sizes


def test_it_shares_its_store_and_count_between_threads_objects():
    first, second = bounded("shared", MAX_BYTES=1024 * KB), bounded("shared", MAX_BYTES=1024 * KB)
    first.set("k", b"x" * KB)
    assert second.get("k") == b"x" * KB and second.bytes == first.bytes > KB


@pytest.mark.parametrize("options", [{"MAX_BYTES": 0}, {"MAX_BYTES": 10, "MAX_ENTRY_BYTES": 20}])
def test_it_refuses_bounds_that_cannot_hold(options):
    with pytest.raises(ValueError):
        LocMemCache("refused", {"OPTIONS": options})


def test_it_is_the_cache_without_redis(settings):
    """Without REDIS_URL the default cache is this one, with a byte bound a worker can afford;
    with it, Redis is (this suite runs in both configurations)."""
    cache = caches["default"]
    if settings.REDIS_URL:
        assert not isinstance(cache, LocMemCache)
        assert settings.CACHES["default"]["BACKEND"] == "phonedash.redis_cache.RedisCache"
    else:
        assert isinstance(cache, LocMemCache)
        assert cache.max_bytes <= 32 * 1024 * KB


@override_settings()
def test_it_holds_a_worker_to_its_bytes_whatever_the_answers_hold():
    """Django's own LocMemCache kept 5000 entries of any size: 100 answers of 1 MB took 100 MB."""
    cache = LocMemCache("answers", {"OPTIONS": {"MAX_ENTRIES": 5000, "MAX_BYTES": 24 * 1024 * KB}})
    cache.clear()
    for n in range(100):
        cache.set(f"answer{n}", b"a" * (1024 * KB))
    assert cache.bytes <= 24 * 1024 * KB
    assert sum(len(value) for value in cache._cache.values()) <= 24 * 1024 * KB
