"""A sync worker's memory stays flat (within 10 MB) over 1,000 passes: nothing it keeps from
one pass to the next (answers, calls, the company's state) grows with the passes."""

from __future__ import annotations

import gc
import os

from calls.history.worker import Worker
from tests.history import test_sync

add_ended = test_sync.add_ended
initech = test_sync.initech

PASSES = 1000
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE / 1e6


def test_a_workers_memory_is_flat_over_1000_passes(initech, simulator):
    worker = Worker(once=True, company=initech)

    def passes(count: int) -> None:
        for n in range(count):
            if n % 10 == 0:  # every tenth pass has a new call to store
                add_ended(simulator, 1, minutes_ago=1)
            done = worker.passes
            worker.run()
            assert worker.passes == done + 1

    passes(100)  # warm: imports, caches and pools filled
    gc.collect()
    before = rss_mb()
    passes(PASSES)
    gc.collect()
    grew = rss_mb() - before
    assert grew <= 10, f"RSS grew {grew:.1f} MB over {PASSES} passes"
    assert worker.passes == PASSES + 100
