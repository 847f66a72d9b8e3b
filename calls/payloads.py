"""Answers kept in the cache as pickled bytes, and read back once per process.

Services store each answer's value pickled inside its cache entry, and `loads` keeps what it
unpickled, keyed by those exact bytes: the next view of the same answer reads its bytes (one
cache round trip) and gets the same objects back without unpickling a 50-call list or a call
with 2,000 transcript segments again. Different bytes are a different answer, so nothing can be
served that the cache does not hold right now. The values are frozen records (tuples, strings,
datetimes), safe to share between requests and threads.
"""

from __future__ import annotations

import pickle

from calls import memo

# Sized by the pickled payload: the unpickled objects take a few times that.
UNPICKLED_KEPT = 1024
UNPICKLED_BYTES = 8 * 1024 * 1024
_NOT_KEPT = object()


def payload_size(payload: bytes, value: object) -> int:
    return len(payload)


_unpickled: memo.Memo[bytes, object] = memo.Memo(
    "unpickled answers", entries=UNPICKLED_KEPT, max_bytes=UNPICKLED_BYTES, sizeof=payload_size
)


def dumps(value: object) -> bytes:
    return pickle.dumps(value, pickle.HIGHEST_PROTOCOL)


def loads(payload: bytes) -> object:
    value = _unpickled.get(payload, _NOT_KEPT)
    if value is _NOT_KEPT:
        # Concurrent readers of the same bytes all get the objects kept first.
        value = _unpickled.setdefault(payload, pickle.loads(payload))
    return value


def forget() -> None:
    """Drop everything kept (for tests that count unpickling)."""
    _unpickled.clear()
