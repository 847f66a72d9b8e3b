"""calls.payloads: an answer's bytes are unpickled once per process, and only those bytes."""

from __future__ import annotations

import pytest

from calls import memo, payloads
from calls.phoneinc import Call, TranscriptSegment


@pytest.fixture(autouse=True)
def nothing_kept():
    payloads.forget()
    yield
    payloads.forget()


def call(state: str) -> Call:
    return Call(id="c1", from_number="+1", to_number="+2", direction="inbound", state=state)


def test_it_unpickles_the_same_bytes_once():
    payload = payloads.dumps((call("ended"),))
    first = payloads.loads(payload)
    assert first == (call("ended"),)
    assert payloads.loads(bytes(payload)) is first  # equal bytes from another cache read


def test_it_never_serves_other_bytes_from_what_it_kept():
    payloads.loads(payloads.dumps(call("bridged")))
    assert payloads.loads(payloads.dumps(call("ended"))).state == "ended"


def small_memo(monkeypatch) -> memo.Memo:
    kept = memo.Memo("test", entries=100, max_bytes=8000, sizeof=payloads._kept_size)
    monkeypatch.setattr(payloads, "_unpickled", kept)
    return kept


def test_it_stays_within_its_budget(monkeypatch):
    kept = small_memo(monkeypatch)
    payloads_read = [payloads.dumps(("x" * 300, n)) for n in range(10)]
    for payload in payloads_read:
        payloads.loads(payload)
    assert kept.bytes <= 8000
    assert payloads_read[-1] in kept and payloads_read[0] not in kept


def test_it_does_not_keep_one_payload_that_would_fill_it(monkeypatch):
    kept = small_memo(monkeypatch)
    big = payloads.dumps("y" * 4000)
    assert payloads.loads(big) == "y" * 4000
    assert big not in kept


def test_it_counts_the_bytes_kept_and_the_objects_in_memory():
    payload = payloads.dumps(("z" * 1000,))
    value, size = payloads.loads_sized(payload)
    assert size == memo.deep_size(value) > 1000
    assert payloads._unpickled.bytes == len(payload) + size + memo.SMALL_ENTRY_BYTES


def long_call(segments: int) -> Call:
    turns = tuple(TranscriptSegment("A", "ok") for _ in range(segments))
    return Call(
        id="c1",
        from_number="+1",
        to_number="+2",
        direction="inbound",
        state="ended",
        segments=turns,
    )


def test_it_sizes_many_small_records_by_what_they_take_in_memory():
    """120,000 short segments pickle to under 2 MB, a quarter of the memo's bound, and take
    several times that unpickled: measured by their pickle, the memo would keep four."""
    payload = payloads.dumps(long_call(120_000))
    assert len(payload) < payloads.UNPICKLED_BYTES // memo.LARGEST_SHARE
    _value, size = payloads.loads_sized(payload)
    assert size > 4 * len(payload)
    assert payload not in payloads._unpickled
    assert payloads._unpickled.bytes == 0
