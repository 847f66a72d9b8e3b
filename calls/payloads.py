"""Answers kept in the cache as pickled bytes, and read back once per process.

Services store each answer's value pickled inside its cache entry, and `loads` keeps what it
unpickled, keyed by those exact bytes: the next view of the same answer reads its bytes (one
cache round trip) and gets the same objects back without unpickling a 50-call list or a call
with 2,000 transcript segments again. Different bytes are a different answer, so nothing can be
served that the cache does not hold right now. The values are frozen records (tuples, strings,
datetimes), safe to share between requests and threads.

Each is kept with its size in memory (calls.memo.deep_size), measured once when unpickled: the
memo is bounded by it and by the bytes of its key, and callers that keep the same objects in a
memo of their own (calls.answers) size them by it without measuring them again.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass

from calls import memo

UNPICKLED_KEPT = 1024
UNPICKLED_BYTES = 8 * 1024 * 1024
# Sizes are counted exactly up to this much, past which no memo keeps a value (a quarter of
# the largest memo's bound): a call of 120,000 segments is not walked to its end just to learn
# that it is too large to keep.
SIZE_COUNTED_UP_TO = 8 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class _Unpickled:
    value: object
    size: int  # in memory, as calls.memo.deep_size counts it


def _kept_size(payload: bytes, kept: _Unpickled) -> int:
    return len(payload) + kept.size + memo.SMALL_ENTRY_BYTES  # the key is the payload itself


_unpickled: memo.Memo[bytes, _Unpickled] = memo.Memo(
    "unpickled answers", entries=UNPICKLED_KEPT, max_bytes=UNPICKLED_BYTES, sizeof=_kept_size
)


def dumps(value: object) -> bytes:
    return pickle.dumps(value, pickle.HIGHEST_PROTOCOL)


def size_of(value: object) -> int:
    """What an answer's value takes in memory, counted up to SIZE_COUNTED_UP_TO."""
    return memo.deep_size(value, stop_above=SIZE_COUNTED_UP_TO)


def loads_sized(payload: bytes) -> tuple[object, int]:
    """The payload's value, unpickled once per process while kept, and its size in memory."""
    kept = _unpickled.get(payload)
    if kept is None:
        value = pickle.loads(payload)
        # Concurrent readers of the same bytes all get the objects kept first.
        kept = _unpickled.setdefault(payload, _Unpickled(value, size_of(value)))
    return kept.value, kept.size


def loads(payload: bytes) -> object:
    return loads_sized(payload)[0]


def forget() -> None:
    """Drop everything kept (for tests that count unpickling)."""
    _unpickled.clear()
