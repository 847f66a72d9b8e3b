"""Django's local-memory cache, bounded in bytes as well as in entries.

Without Redis each worker keeps the shared cache (answers, single-flight locks, failure
notices) in its own memory. Django's LocMemCache counts entries only (MAX_ENTRIES), and one
entry may be a call with a transcript of a few megabytes: a few thousand of those would take
gigabytes. This one also counts the bytes it holds (each value is kept pickled, so its size is
exact, plus its key and some bookkeeping): past MAX_BYTES the least recently used entries go
first, and a value larger than MAX_ENTRY_BYTES is not kept at all (it would push out most of
the rest), exactly as if it had been evicted at once: readers fall back to Phone.inc.
"""

from __future__ import annotations

import pickle
import sys
from typing import Any

from django.core.cache.backends import locmem
from django.core.cache.backends.base import DEFAULT_TIMEOUT

DEFAULT_MAX_BYTES = 32 * 1024 * 1024
ENTRY_OVERHEAD = 256  # the key's place in the ordered dict and the expiry table, generously

# Per cache name, like LocMemCache's own stores: every thread's cache object shares them.
_sizes: dict[str, dict[str, int]] = {}
_totals: dict[str, list[int]] = {}


class LocMemCache(locmem.LocMemCache):
    """Django's, bounded by MAX_BYTES as well as MAX_ENTRIES (named alike, as it is alike)."""

    def __init__(self, name: str, params: dict[str, Any]) -> None:
        super().__init__(name, params)
        options = params.get("OPTIONS", {})
        self.max_bytes = int(options.get("MAX_BYTES", DEFAULT_MAX_BYTES))
        self.max_entry_bytes = int(options.get("MAX_ENTRY_BYTES", self.max_bytes // 4))
        if self.max_bytes <= 0 or not 0 < self.max_entry_bytes <= self.max_bytes:
            raise ValueError("MAX_BYTES and MAX_ENTRY_BYTES must be positive, entry <= total")
        self._sizes = _sizes.setdefault(name, {})
        self._total = _totals.setdefault(name, [0])

    @property
    def bytes(self) -> int:
        """What the cache holds now, in bytes (estimated for keys, exact for values)."""
        return self._total[0]

    @staticmethod
    def _size(key: str, pickled: bytes) -> int:
        return len(pickled) + sys.getsizeof(key) + ENTRY_OVERHEAD

    # Every change to the store goes through these, with the lock held by the caller.

    def _set(self, key: str, value: bytes, timeout: float | None = DEFAULT_TIMEOUT) -> None:
        size = self._size(key, value)
        self._delete(key)
        if size > self.max_entry_bytes:
            return  # too large to keep: as if evicted at once, never an older value
        while self._cache and (
            self._total[0] + size > self.max_bytes or len(self._cache) >= self._max_entries
        ):
            self._evict_oldest()
        super()._set(key, value, timeout)
        self._sizes[key] = size
        self._total[0] += size

    def _evict_oldest(self) -> None:
        key, _ = self._cache.popitem()  # the least recently used: get() moves keys first
        self._expire_info.pop(key, None)
        self._total[0] -= self._sizes.pop(key, 0)

    def _cull(self) -> None:
        # _set evicts one entry at a time, by bytes and by entries, before it adds.
        self._evict_oldest()

    def _delete(self, key: str) -> bool:
        deleted = super()._delete(key)
        if deleted:
            self._total[0] -= self._sizes.pop(key, 0)
        return deleted

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            if self._has_expired(key):
                self._delete(key)
                raise ValueError(f"Key '{key}' not found")
            expiry = self._expire_info[key]
            value = pickle.loads(self._cache[key]) + delta
            self._set(key, pickle.dumps(value, self.pickle_protocol))
            if key in self._expire_info:
                self._expire_info[key] = expiry  # a counter keeps its expiry, as Django's does
        return value

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()
            self._expire_info.clear()
            self._sizes.clear()
            self._total[0] = 0
