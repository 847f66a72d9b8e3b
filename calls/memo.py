"""One bounded LRU memo for everything a worker keeps in its own memory.

Pages reuse what they worked out for an earlier request: an unpickled answer, a rendered row or
widget, a built transcript, a formatted number. Each memo is bounded twice, by how many entries
it keeps and by about how many bytes they take, so that neither many small entries nor a few
large ones grow a worker without limit; the least recently used entry goes first. An entry
larger than a quarter of the byte bound is not kept at all: it would push out most of the rest.

A lock makes each memo safe to share between a worker's threads. Values are worked out outside
the lock, so a slow render never holds up other readers; two threads may then work out the same
value, and `setdefault` hands both the one kept first.

Sizes are estimates in bytes, given per memo by a `sizeof(key, value)` function: what the
records a key or value holds take in memory (`deep_size`: a few records, or a call with a long
transcript, whatever its strings hold), sys.getsizeof() of rendered HTML (exact for the string
itself), or a fixed conservative figure for small values such as a formatted phone number.
Records are measured in memory, never by their pickled length: unpickled, a call of 120,000
short transcript segments takes about five times what its pickle does.
"""

from __future__ import annotations

import functools
import sys
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from cachetools import LRUCache

# What an entry with a small key and value (a short string, a tuple of a few strings) takes,
# generously: the key, the value and the LRU's own bookkeeping for it.
SMALL_ENTRY_BYTES = 512
# An entry above this share of its memo's byte bound is not kept (returned, not memoised).
LARGEST_SHARE = 4

_MISSING = object()
_KEYWORDS = object()  # sets keyword arguments apart from positional ones in a key


# Values deep_size counts by sys.getsizeof() alone (they hold nothing it should follow), and
# containers it follows into.
_LEAVES = frozenset({str, bytes, int, float, complex, date, datetime, time, timedelta})
_SEQUENCES = frozenset({tuple, list, set, frozenset})


@functools.cache
def _slot_names(kind: type) -> tuple[str, ...]:
    return tuple(
        name
        for cls in kind.__mro__
        for name in (cls.__dict__.get("__slots__", ()) if isinstance(cls, type) else ())
        if name not in ("__weakref__", "__dict__")
    )


def deep_size(value: object, *, stop_above: int | None = None) -> int:
    """About how many bytes `value` takes with all it holds: sys.getsizeof() of each object
    reached through tuples, lists, sets, dicts and the fields of slotted records (Call,
    TranscriptSegment, a built Transcript...). Objects of other kinds count as themselves only.

    A container or record reached twice counts once (so records shared between a list and
    a window count once, and cycles end); a string reached twice counts twice, which errs on
    the safe side. With `stop_above`, stops counting once past it and returns what it has
    counted, more than `stop_above`: enough to tell that a value is too large to keep without
    walking all of a huge one.
    """
    getsizeof = sys.getsizeof
    total = 0
    stack = [value]
    seen: set[int] = set()
    while stack:
        obj = stack.pop()
        kind = type(obj)
        if obj is None or kind is bool:
            continue  # singletons, shared by everyone
        if kind not in _LEAVES:
            if id(obj) in seen:
                continue
            seen.add(id(obj))
        total += getsizeof(obj)
        if stop_above is not None and total > stop_above:
            return total
        if kind in _LEAVES:
            continue
        if kind in _SEQUENCES:
            stack.extend(obj)  # type: ignore[call-overload]
        elif kind is dict:
            stack.extend(obj.keys())  # type: ignore[attr-defined]
            stack.extend(obj.values())  # type: ignore[attr-defined]
        else:
            stack.extend(getattr(obj, name, None) for name in _slot_names(kind))
    return total


def deep(key: object, value: object) -> int:
    """`sizeof` for memos of records: the key's and the value's deep sizes, and the entry's."""
    return deep_size(key) + deep_size(value) + SMALL_ENTRY_BYTES


def small(key: object, value: object) -> int:
    """`sizeof` for memos of small keys and values: one conservative figure for all."""
    return SMALL_ENTRY_BYTES


def text(key: object, value: str) -> int:
    """`sizeof` for memos of rendered text: the string's own size, plus a small key's."""
    return sys.getsizeof(value) + SMALL_ENTRY_BYTES


@dataclass(frozen=True, slots=True)
class _Kept:
    value: object
    size: int


def _size_of_kept(kept: _Kept) -> int:
    return kept.size


class Memo[K: Hashable, V]:
    """A named, thread-safe LRU mapping bounded by `entries` and by `max_bytes`."""

    def __init__(
        self, name: str, *, entries: int, max_bytes: int, sizeof: Callable[[K, V], int]
    ) -> None:
        if entries < 1 or max_bytes < LARGEST_SHARE:
            raise ValueError(f"memo {name!r}: entries and max_bytes must be positive")
        self.name = name
        self.entries = entries
        self.max_bytes = max_bytes
        self._sizeof = sizeof
        self._lru: LRUCache = LRUCache(max_bytes, getsizeof=_size_of_kept)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"<Memo {self.name!r}: {len(self)}/{self.entries} entries, "
            f"{self.bytes}/{self.max_bytes} bytes>"
        )

    def __len__(self) -> int:
        return len(self._lru)

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._lru

    @property
    def bytes(self) -> int:
        """The estimated size of what is kept now."""
        return self._lru.currsize

    def get(self, key: K, default: V | None = None) -> V | None:
        """The value kept for `key` (now the most recently used), or `default`."""
        with self._lock:
            kept = self._lru.get(key)
        return default if kept is None else kept.value

    def put(self, key: K, value: V) -> V:
        """Keep `value` for `key` in place of what was kept; returns `value`. A value too large
        to keep leaves nothing for `key`, so an older value is never served in its stead."""
        return self._keep(key, value, replace=True)

    def setdefault(self, key: K, value: V) -> V:
        """The value kept for `key`: the one kept already if any, else `value`, kept now."""
        return self._keep(key, value, replace=False)

    def clear(self) -> None:
        with self._lock:
            self._lru.clear()

    def _keep(self, key: K, value: V, *, replace: bool) -> V:
        size = max(0, int(self._sizeof(key, value)))
        with self._lock:
            if not replace:
                kept = self._lru.get(key)
                if kept is not None:
                    return kept.value
            if size > self.max_bytes // LARGEST_SHARE:
                self._lru.pop(key, None)
                return value
            self._lru[key] = _Kept(value, size)  # evicts by bytes, least recently used first
            while len(self._lru) > self.entries:
                self._lru.popitem()
        return value

    def memoise(self, function: Callable[..., V]) -> Callable[..., V]:
        """Decorate a pure function of hashable arguments: one entry per arguments given."""

        @functools.wraps(function)
        def memoised(*args: object, **kwargs: object) -> V:
            key = (*args, _KEYWORDS, *sorted(kwargs.items())) if kwargs else args
            value = self.get(key, _MISSING)  # type: ignore[arg-type]
            if value is _MISSING:
                value = self.setdefault(key, function(*args, **kwargs))  # type: ignore[arg-type]
            return value  # type: ignore[return-value]

        memoised.memo = self  # type: ignore[attr-defined]
        return memoised
