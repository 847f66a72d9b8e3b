"""Waits kept two ways (counts per second, or one entry per call) give the same medians and
percentiles, and the same as the standard library's."""

import random
import statistics
from collections import Counter

import pytest

from calls.sources.tallies import LineTally, median, percentile


@pytest.mark.parametrize("size", [1, 2, 3, 10, 101, 1000])
def test_a_list_and_its_counts_give_the_same_figures(size):
    waits = [random.Random(size).randrange(0, 5000) for _ in range(size)]
    assert median(waits) == median(Counter(waits)) == statistics.median(waits)
    for share in (0.1, 0.9, 1.0):
        assert percentile(waits, share) == percentile(Counter(waits), share)
    assert percentile(waits, 0.9) == sorted(waits)[max(0, -(-size * 9 // 10) - 1)]


def test_no_waits_have_no_median():
    assert median([]) is None and median(Counter()) is None


def test_a_tally_kept_as_json_merges_back_to_the_same_figures():
    first, second = LineTally(calls=2, missed=2), LineTally(calls=1, missed=1)
    first.return_waits, second.return_waits = [600, 30], [4000]
    first.answer_waits, second.answer_waits = Counter({5: 2}), Counter({5: 1, 9: 1})
    merged = LineTally()
    merged.add_json(first.as_json())
    merged.add_json(second.as_json())
    assert sorted(merged.return_waits) == [30, 600, 4000]
    assert merged.answer_waits == Counter({5: 3, 9: 1})
    assert (merged.calls, merged.missed, median(merged.return_waits)) == (3, 3, 600)


def test_a_day_kept_as_counts_per_second_still_merges():
    # Days stored before times to return were kept one entry per call (JSON keys are text).
    merged = LineTally()
    merged.add_json({"counts": [3, 3, 0, 3, 0, 0, 3, 2], "return_waits": {"30": 2, "4000": 1}})
    assert sorted(merged.return_waits) == [30, 30, 4000]
    assert median(merged.return_waits) == 30
