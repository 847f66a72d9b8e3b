"""calls.memo: one bounded LRU for every per-process memo, by entries and by bytes."""

from __future__ import annotations

import sys
import threading

import pytest

from calls import display, memo, numbers, pages
from calls.answers import store as answers
from calls.callbacks import sources as callback_sources
from calls.models import encryption


def sized(key: object, value: str) -> int:
    return len(value)


def make(entries: int = 10, max_bytes: int = 1000) -> memo.Memo[str, str]:
    return memo.Memo("test", entries=entries, max_bytes=max_bytes, sizeof=sized)


def test_it_keeps_no_more_than_its_entries():
    kept = make(entries=3)
    for n in range(5):
        kept.put(f"k{n}", "v")
    assert len(kept) == 3
    assert [key in kept for key in ("k0", "k1", "k2", "k3", "k4")] == [False] * 2 + [True] * 3


def test_it_keeps_no_more_than_its_bytes():
    kept = make(max_bytes=1000)
    for n in range(5):
        kept.put(f"k{n}", "x" * 240)
    assert kept.bytes == 960 and len(kept) == 4 and "k0" not in kept


def test_it_lets_the_least_recently_used_go_first():
    kept = make(entries=2)
    kept.put("a", "1")
    kept.put("b", "2")
    assert kept.get("a") == "1"  # now b is the least recently used
    kept.put("c", "3")
    assert "a" in kept and "b" not in kept and "c" in kept


def test_it_does_not_keep_a_value_larger_than_a_quarter_of_its_bytes():
    kept = make(max_bytes=1000)
    kept.put("small", "x" * 10)
    assert kept.put("big", "y" * 251) == "y" * 251
    assert "big" not in kept and "small" in kept


def test_it_never_serves_an_older_value_in_place_of_one_too_large_to_keep():
    kept = make(max_bytes=1000)
    kept.put("k", "old")
    kept.put("k", "n" * 251)
    assert kept.get("k") is None


def test_it_replaces_with_put_and_keeps_the_first_with_setdefault():
    kept = make()
    first, second = "value", "".join(["val", "ue"])
    assert kept.setdefault("k", first) is first
    assert kept.setdefault("k", second) is first
    assert kept.put("k", second) is second and kept.get("k") is second
    assert kept.bytes == len("value")


def test_it_memoises_a_function_by_its_arguments():
    kept = make()
    calls = []

    @kept.memoise
    def shout(word: str, times: int = 1) -> str:
        calls.append(word)
        return word.upper() * times

    assert shout("hi") == shout("hi") == "HI"
    assert shout("hi", 2) == shout("hi", times=2) == "HIHI"
    assert calls == ["hi", "hi", "hi"]  # ("hi",), ("hi", 2) and ("hi", times=2) differ
    assert shout.memo is kept


def test_it_memoises_none_like_any_other_value():
    kept: memo.Memo[tuple, None] = memo.Memo("test", entries=4, max_bytes=4000, sizeof=memo.small)
    calls = []

    @kept.memoise
    def nothing(n: int) -> None:
        calls.append(n)

    nothing(1)
    nothing(1)
    assert calls == [1]


def test_it_refuses_bounds_that_keep_nothing():
    with pytest.raises(ValueError):
        memo.Memo("test", entries=0, max_bytes=1000, sizeof=sized)
    with pytest.raises(ValueError):
        memo.Memo("test", entries=10, max_bytes=0, sizeof=sized)


def test_it_sizes_text_by_the_strings_own_bytes():
    assert memo.text(("k",), "x" * 100) == sys.getsizeof("x" * 100) + memo.SMALL_ENTRY_BYTES
    assert memo.text(("k",), "“x”" * 100) > memo.text(("k",), "x" * 300)  # wider characters


def test_it_stays_within_its_bounds_under_many_threads():
    kept = make(entries=50, max_bytes=2000)
    barrier = threading.Barrier(8)
    failures = []

    def work(worker: int) -> None:
        barrier.wait()
        for n in range(2000):
            key = f"k{(worker * 7 + n) % 120}"
            value = kept.get(key) or kept.setdefault(key, "v" * (n % 40 + 1))
            if not value.startswith("v"):
                failures.append(value)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not failures
    assert len(kept) <= 50 and kept.bytes <= 2000
    assert kept.bytes == sum(len(kept.get(key)) for key in list(kept._lru))


@pytest.mark.parametrize(
    "kept",
    [
        numbers._examples,
        display._phones,
        encryption._ciphers,
        answers._recent,
        pages._pages,
        callback_sources._boards,
        callback_sources._counts,
    ],
    ids=lambda kept: kept.name,
)
def test_it_bounds_every_memo_in_entries_and_bytes(kept):
    assert isinstance(kept, memo.Memo)
    assert kept.entries > 0 and 0 < kept.max_bytes <= 64 * 1024 * 1024
