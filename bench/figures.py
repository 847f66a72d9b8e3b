"""The benchmark's figures, each a function returning rows for the table.

A row is (figure, measured, budget, ok). `Run` holds what the figures share: the simulator,
the two gunicorn instances (cache on, and cache off for cold pages) and a signed-in session.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import timedelta

from bench import measure
from bench.servers import Gunicorn
from calls.simulator import SEED_COMPANIES, Simulator

ACME_KEY = next(seed.api_key for seed in SEED_COMPANIES if seed.name == "Acme Corp")
EMPLOYEE = {"id": "0193f4b0-aaaa-7c00-9e3d-2b2b8a7f1c20", "name": "Alex Wong"}
SIM_DELAY = 0.1
LIST_50 = "/calls/?limit=50"
WRK_ROUND = 1  # seconds per wrk run


@dataclass
class Run:
    sim: Simulator
    warm: Gunicorn  # the deployed configuration: answers cached for PHONEDASH_CACHE_SECONDS
    cold: Gunicorn  # PHONEDASH_CACHE_SECONDS=0: every page asks Phone.inc
    cookie: str  # the Cookie header of a signed-in browser
    seconds: int  # per page, across its wrk runs
    samples: int  # per timed page
    notes: list[str] = field(default_factory=list)

    def upstream(self) -> int:
        return self.sim.request_count("/api/")


Row = tuple[str, str, str, bool]


# --- 1. Warm list ----------------------------------------------------------------------------


def warm_list(run: Run) -> list[Row]:
    """Throughput of the 50-call list with a warm cache, as a share of a do-nothing page's.

    Short wrk runs alternate between the two pages (ok then list, list then ok, ...): each
    pair's ratio compares runs a second apart, so load from elsewhere on the machine falls on
    both alike, and the median of the pairs' ratios is the figure. The workers' CPU time per
    request is noted too: it hardly depends on what else the machine does.
    """
    session = measure.client(run.cookie)
    html = measure.get_ok(session, run.warm.url + LIST_50).text
    if measure.rows(html) != 50:
        raise measure.BenchError(f"the list shows {measure.rows(html)} calls, not 50")
    measure.get_ok(session, run.warm.url + "/bench/ok", "ok")
    urls = {"list": run.warm.url + LIST_50, "ok": run.warm.url + "/bench/ok"}
    for url in urls.values():  # warm both workers and the interpreter's caches
        measure.wrk(url, run.cookie, 2)
    pids = run.warm.worker_pids()
    served, cpu, ratios = dict.fromkeys(urls, 0), dict.fromkeys(urls, 0.0), []
    before = run.upstream()
    for pair in range(max(1, run.seconds // WRK_ROUND)):
        rate = {}
        for name in sorted(urls, reverse=pair % 2 == 1):
            start = measure.cpu_seconds(pids)
            load = measure.wrk(urls[name], run.cookie, WRK_ROUND)
            cpu[name] += measure.cpu_seconds(pids) - start
            served[name] += load.requests
            rate[name] = load.rate
        ratios.append(rate["list"] / rate["ok"])
    fetched = run.upstream() - before
    ms = {name: 1000 * cpu[name] / served[name] for name in urls}
    ratio = statistics.median(ratios)
    run.notes.append(
        f"warm list: {len(ratios)} pairs of {WRK_ROUND} s wrk runs, ratios "
        f"{min(ratios):.2f}–{max(ratios):.2f}; worker CPU per request: list {ms['list']:.2f} ms, "
        f"ok {ms['ok']:.2f} ms (ratio {ms['ok'] / ms['list']:.2f}); "
        f"Phone.inc requests meanwhile: {fetched}"
    )
    return [("warm list ÷ ok view (req/s, median)", f"{ratio:.2f}", "≥ 0.50", ratio >= 0.5)]


# --- 2. Cold list ----------------------------------------------------------------------------


def cold_list(run: Run) -> list[Row]:
    """The 50-call list when every page asks Phone.inc, which answers in 100 ms."""
    session = measure.client(run.cookie)
    url = run.cold.url + LIST_50
    measure.get_ok(session, url)  # the worker's first page pays for imports: not counted
    run.sim.delay = SIM_DELAY
    try:
        before = run.upstream()
        times = [measure.seconds_for(session, url) for _ in range(run.samples)]
        fetched = run.upstream() - before
    finally:
        run.sim.delay = 0
    if fetched != run.samples:
        raise measure.BenchError(f"{run.samples} cold pages made {fetched} upstream requests")
    overhead = measure.median_ms(times) - 1000 * SIM_DELAY
    spread = sorted(1000 * t - 1000 * SIM_DELAY for t in times)
    run.notes.append(
        f"cold list: {len(times)} pages, each one upstream request; page time − 100 ms: "
        f"min {spread[0]:.1f}, median {overhead:.1f}, max {spread[-1]:.1f} ms"
    )
    return [
        ("cold list − 100 ms upstream (median)", f"{overhead:.1f} ms", "≤ 25 ms", overhead <= 25)
    ]


# --- 3. Upstream economy -------------------------------------------------------------------


def economy(run: Run) -> list[Row]:
    """Concurrent misses make one upstream request; repeated views within the TTL make one."""
    run.sim.delay = SIM_DELAY
    try:
        before = run.upstream()
        statuses = measure.concurrently(
            run.cookie, run.warm.url + "/calls/?state=ended&limit=33", 20
        )
        burst = run.upstream() - before
        if statuses != [200] * 20:
            raise measure.BenchError(f"concurrent requests answered {sorted(set(statuses))}")
        session = measure.client(run.cookie)
        before = run.upstream()
        for _ in range(100):
            measure.get_ok(session, run.warm.url + "/calls/?direction=inbound&limit=27")
        repeats = run.upstream() - before
    finally:
        run.sim.delay = 0
    return [
        ("20 concurrent cold requests → upstream", str(burst), "1", burst == 1),
        ("100 views of one filter in TTL → upstream", str(repeats), "1", repeats == 1),
    ]


# --- 4. Weight -------------------------------------------------------------------------------


def weight(run: Run) -> list[Row]:
    """A first visit's bytes as served (compressed where the server compresses), and the
    htmx filter answer: the results alone, no head, navigation or filter form."""
    visit = measure.first_visit(run.warm.url + "/calls/", run.cookie)
    total = sum(part.body_bytes for part in visit)
    run.notes.append(
        "first visit: "
        + ", ".join(f"{p.path} {p.body_bytes / 1024:.1f} KB ({p.encoding})" for p in visit)
    )
    fragment = measure.transfer(
        run.warm.url + "/calls/?direction=inbound&limit=10",
        {"Cookie": run.cookie, "HX-Request": "true", "HX-Target": "results"},
    )
    html = fragment.text
    alone = (
        fragment.status == 200
        and html.lstrip().startswith(('<section id="results"', "<section id='results'"))
        and not any(mark in html for mark in ("<head", "<nav", 'id="filters"', "<html"))
        and measure.rows(html) > 0
    )
    size = f"{fragment.body_bytes / 1024:.1f} KB ({fragment.encoding})"
    return [
        (
            "first visit: HTML + CSS + JS as served",
            f"{total / 1024:.1f} KB",
            "≤ 60 KB",
            total <= 61440,
        ),
        ("htmx filter answer: results alone", size, "no head/nav/form", alone),
    ]


# --- 5. Memory -------------------------------------------------------------------------------


def memory(run: Run) -> list[Row]:
    sizes = [measure.rss_mb(pid) for server in (run.warm, run.cold) for pid in server.worker_pids()]
    run.notes.append("worker RSS: " + ", ".join(f"{size:.0f} MB" for size in sizes))
    return [
        (
            "worker RSS after the run (largest)",
            f"{max(sizes):.0f} MB",
            "≤ 120 MB",
            max(sizes) <= 120,
        )
    ]


# --- 6. Long transcript ----------------------------------------------------------------------


def add_transcript_call(sim: Simulator, segments: int) -> str:
    """An ended call with `segments` turns, older than anything on the list's first page."""
    texts = [
        f"Line {n}: we went through the order, the delivery window and the invoice again."
        for n in range(segments)
    ]
    turns = [
        {"speaker": EMPLOYEE["name"], "text": text, "employee_id": EMPLOYEE["id"]}
        if n % 2 == 0
        else {"speaker": "Caller", "text": text, "employee_id": None}
        for n, text in enumerate(texts)
    ]
    call = sim.add_call(
        ACME_KEY,
        from_="+14155550163",
        direction="inbound",
        started_at=sim.start - timedelta(days=120),
        duration=60 * 60,
        employees=[EMPLOYEE],
        summary="A long review of an order, line by line.",
        transcription=" ".join(texts),
        transcription_segments=turns,
    )
    return call["id"]


def long_transcript(run: Run, short_id: str, long_id: str) -> list[Row]:
    """Warm-cache render time of a 2,000-segment call against a 10-segment one, over HTTP."""
    session = measure.client(run.cookie)
    short_url, long_url = (f"{run.warm.url}/calls/{call_id}/" for call_id in (short_id, long_id))
    measure.get_ok(session, short_url, "Line 9:")
    measure.get_ok(session, long_url, "Line 1999:")
    short, long = [], []
    for _ in range(run.samples):
        short.append(measure.seconds_for(session, short_url))
        long.append(measure.seconds_for(session, long_url))
    ratio = measure.median_ms(long) / measure.median_ms(short)
    run.notes.append(
        f"detail page: 10 segments {measure.median_ms(short):.1f} ms, "
        f"2,000 segments {measure.median_ms(long):.1f} ms (medians of {run.samples})"
    )
    return [("2,000-segment ÷ 10-segment detail", f"{ratio:.2f}×", "≤ 5×", ratio <= 5)]
