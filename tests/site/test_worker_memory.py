"""One gunicorn worker stays within the README's memory budget whatever Phone.inc's answers hold.

Calls of 120,000 short transcript segments (3.4 MB each, under the 4 MB answer cap) are the
hostile case: a few megabytes on the wire, tens of megabytes of records once parsed. Each is
viewed (the page, a transcript search, the page's poll) by a worker of four threads without
Redis, so the shared cache is the worker's own memory too; its RSS is read from /proc. The
views come one after another: several such answers handled at once each take their tens of
megabytes for a moment (README, "Benchmarks").
"""

from __future__ import annotations

import json

import pytest

from tests.canned_upstream import canned_upstream
from tests.gunicorn_deployment import gunicorn_without_redis
from tests.site.test_multiprocess import log_in
from tests.test_extreme_values import BASE

BUDGET_MB = 120  # README, "Benchmarks": worker RSS
SEGMENTS = 120_000
CALLS = 13


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for {pid}")


def long_call(n: int) -> bytes:
    segments = [{"speaker": "A", "text": "ok"} for _ in range(SEGMENTS)]
    call = {**BASE, "id": f"long{n}", "transcription": None, "transcription_segments": segments}
    return json.dumps(call, separators=(",", ":")).encode()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with canned_upstream() as upstream:
        upstream.calls = [dict(BASE)]
        upstream.routes = {f"long{n}": long_call(n) for n in range(CALLS)}
        assert all(len(body) < 4 * 1024 * 1024 for body in upstream.routes.values())
        folder = tmp_path_factory.mktemp("memory")
        with gunicorn_without_redis(folder, upstream.url, workers=1, threads=4) as deployment:
            yield deployment


def test_it_keeps_a_worker_within_its_memory_budget(served):
    session = log_in(served)
    # Every page once with an ordinary call first: code and templates loaded, memos warm.
    pid = served.worker(served.get("/calls/", session))
    for path in ("/calls/extreme1/", "/calls/callbacks/", "/calls/insights/", "/calls/export.csv"):
        assert served.get(path, session).status_code == 200
    warm = rss_mb(pid)

    def view(n: int) -> None:
        page = f"/calls/long{n}/"
        assert served.get(page, session).status_code == 200
        search = {"HX-Request": "true", "HX-Target": "transcript"}
        assert served.get(page + "?q=ok", session, headers=search).status_code == 200
        poll = {"HX-Request": "true", "HX-Target": "call"}
        assert served.get(page, session, headers=poll).status_code == 200

    for n in range(CALLS):
        view(n)
    after = rss_mb(pid)

    print(f"worker RSS: {warm:.0f} MB warm, {after:.0f} MB after {CALLS} long calls")
    assert served.worker(served.get("/healthz")) == pid, "one worker served it all"
    assert after < BUDGET_MB, f"{after:.0f} MB (warm: {warm:.0f} MB)"
