"""gunicorn under a Phone.inc that trickles its headers: pages answer within the 10 s budget,
and /healthz stays quick while they wait.

Two workers of four threads each, as deployed (without Redis). Three pages, each with a filter
of its own so that each makes its own upstream request, wait on a Phone.inc that sends a header
a byte every 50 ms for 30 s; meanwhile /healthz is asked every quarter of a second.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.gunicorn_deployment import gunicorn_without_redis
from tests.site.test_multiprocess import log_in
from tests.trickle_server import PHASES, TrickleServer

BUDGET = 10  # PHONEDASH_UPSTREAM_BUDGET, the README's promise
MARGIN = 3  # rendering, and a loaded machine; an unbounded trickle holds a page 30 s
IN_FLIGHT = 3  # fewer than one worker's threads, wherever gunicorn sends them


@pytest.fixture(scope="module")
def trickling():
    server = TrickleServer(PHASES["one header"])
    yield server
    server.stop()


@pytest.fixture(scope="module")
def deployment(trickling, tmp_path_factory):
    with gunicorn_without_redis(tmp_path_factory.mktemp("trickle"), trickling.url) as served:
        yield served


def test_it_answers_pages_within_the_budget_and_healthz_at_once(deployment, trickling):
    session = log_in(deployment)

    def page(limit: int) -> tuple[int, str, float]:
        started = time.monotonic()
        response = deployment.get(f"/calls/?limit={limit}", session)
        return response.status_code, response.text, time.monotonic() - started

    with ThreadPoolExecutor(max_workers=IN_FLIGHT) as pool:
        pages = [pool.submit(page, 20 + n) for n in range(IN_FLIGHT)]
        probes = []
        time.sleep(0.5)  # the pages are waiting on Phone.inc by now
        while not all(future.done() for future in pages):
            started = time.monotonic()
            assert deployment.get("/healthz").status_code == 200
            probes.append(time.monotonic() - started)
            time.sleep(0.25)
        answered = [future.result() for future in pages]

    assert trickling.connections >= IN_FLIGHT
    for status, text, elapsed in answered:
        assert status == 503
        assert "took too long" in text
        assert elapsed < BUDGET + MARGIN, f"a page took {elapsed:.1f} s"
    assert len(probes) >= 10
    assert max(probes) < 1.0, f"/healthz took up to {max(probes):.2f} s"
    print(
        "pages:",
        ", ".join(f"{elapsed:.2f} s" for *_, elapsed in answered),
        f"/healthz: {len(probes)} probes, max {max(probes) * 1000:.0f} ms",
    )
