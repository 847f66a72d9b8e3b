"""Answers kept in the cache as pickled bytes, and read back once per process.

A warm page used to unpickle its whole answer on every view (50 calls, or a call with 2,000
transcript segments). Services now store each answer's value pickled inside the cache entry,
and `loads` keeps what it unpickled, keyed by those exact bytes: the next view of the same
answer reads its bytes (one cache round trip, as before) and gets the same objects back without
unpickling. Different bytes are a different answer, so nothing can be served that the cache
does not hold right now. The values are frozen records (tuples, strings, datetimes), safe to
share between requests and threads. Kept within a byte budget, least recently used first out.
"""

from __future__ import annotations

import pickle
import threading
from collections import OrderedDict

BUDGET_BYTES = 8 * 1024 * 1024  # of pickled payloads; the objects take a few times that

_kept: OrderedDict[bytes, object] = OrderedDict()
_kept_bytes = 0
_lock = threading.Lock()


def dumps(value: object) -> bytes:
    return pickle.dumps(value, pickle.HIGHEST_PROTOCOL)


def loads(payload: bytes) -> object:
    global _kept_bytes
    with _lock:
        if payload in _kept:
            _kept.move_to_end(payload)
            return _kept[payload]
    value = pickle.loads(payload)
    if len(payload) > BUDGET_BYTES // 4:
        return value  # too big to keep without pushing out everything else
    with _lock:
        if payload not in _kept:
            _kept[payload] = value
            _kept_bytes += len(payload)
            while _kept_bytes > BUDGET_BYTES:
                evicted, _ = _kept.popitem(last=False)
                _kept_bytes -= len(evicted)
        return _kept[payload]


def forget() -> None:
    """Drop everything kept (for tests that count unpickling)."""
    global _kept_bytes
    with _lock:
        _kept.clear()
        _kept_bytes = 0
