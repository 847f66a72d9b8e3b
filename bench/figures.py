"""The benchmark's figures besides throughput, each a function returning rows for the table.

A row is (figure, measured, budget, ok). `Run` holds what the figures share: the simulator,
the gunicorn instances (cache on as deployed, cache off for cold pages, the yardstick) and a
signed-in session.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urljoin

from bench import measure, report
from bench.servers import Gunicorn, Redis
from bench.throughput import LIST_50
from calls import phoneinc
from calls.simulator import SEED_COMPANIES, Simulator

ACME_KEY = next(seed.api_key for seed in SEED_COMPANIES if seed.name == "Acme Corp")
EMPLOYEE = {"id": "0193f4b0-aaaa-7c00-9e3d-2b2b8a7f1c20", "name": "Alex Wong"}
SIM_DELAY = 0.1
KB = 1024


@dataclass
class Run:
    sim: Simulator
    redis: Redis
    warm: Gunicorn  # the deployed configuration: answers cached for PHONEDASH_CACHE_SECONDS
    cold: Gunicorn  # PHONEDASH_CACHE_SECONDS=0: every page asks Phone.inc
    cookie: str  # the Cookie header of a signed-in browser
    samples: int  # per timed page
    routes: dict[str, bool]  # which of the newer pages exist in this tree
    notes: list[str] = field(default_factory=list)

    def upstream(self) -> int:
        return self.sim.request_count("/api/")


Row = report.Row


# --- Weight -------------------------------------------------------------------------------


def weight(run: Run) -> list[Row]:
    """A first visit of the 50-call list: the HTML as served plus the CSS and JS it
    references, gzip accepted (what the server compresses, it compresses with gzip)."""
    visit = measure.first_visit(run.warm.url + LIST_50, run.cookie)
    counted = [part for part in visit if is_counted(part)]
    total = sum(part.body_bytes for part in counted)
    others = [part for part in visit if not is_counted(part)]
    run.notes.append(
        "first visit: "
        + ", ".join(f"{p.path} {p.body_bytes / KB:.1f} KB ({p.encoding})" for p in counted)
        + (
            "; also fetched, not counted: "
            + ", ".join(f"{p.path} {p.body_bytes / KB:.1f} KB" for p in others)
            if others
            else ""
        )
    )
    return [
        (
            "first visit of /calls/?limit=50: HTML + CSS + JS, gzip",
            f"{total / KB:.1f} KB",
            "≤ 60 KB",
            total <= 60 * KB,
        )
    ]


def is_counted(part: measure.Transfer) -> bool:
    kind = part.content_type
    return any(word in kind for word in ("html", "css", "javascript"))


# --- Cold list ----------------------------------------------------------------------------


def cold_list(run: Run) -> list[Row]:
    """The 50-call list when every page asks Phone.inc, which answers in 100 ms."""
    session = measure.client(run.cookie)
    url = run.cold.url + LIST_50
    for _ in range(3):  # each worker's first pages pay for imports and template loading
        measure.get_ok(session, url)
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
        (
            "cold list over a 100 ms Phone.inc: overhead (median)",
            f"{overhead:.1f} ms",
            "≤ 25 ms",
            overhead <= 25,
        )
    ]


# --- Upstream economy ---------------------------------------------------------------------


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
        ("20 concurrent cold identical requests → upstream", str(burst), "1", burst == 1),
        ("100 views of one filter within the TTL → upstream", str(repeats), "1", repeats == 1),
    ]


# --- Callbacks board upstream -------------------------------------------------------------


def numbers_to_look_up(sim: Simulator, api_key: str = ACME_KEY) -> int:
    """The rule, read from the simulator's data: distinct callers (that Phone.inc can be asked
    about) of missed calls among the 50 latest inbound ended calls that are older than the
    oldest of the 50 latest calls."""

    def listed(keep=None) -> list[phoneinc.Call]:
        shown = sim.calls_for(api_key, sim.default_root, keep=keep, limit=50)
        return phoneinc.parse_call_list({"calls": shown}, transcripts=False)

    inbound = listed(lambda call: call["direction"] == "inbound" and call["state"] == "ended")
    recent = listed()
    if len(recent) < 50:
        return 0
    oldest = min(call.started_at for call in recent if call.started_at)
    return len(
        {
            call.remote_number
            for call in inbound
            if call.is_missed
            and not call.is_withheld
            and call.started_at is not None
            and call.started_at < oldest
            and phoneinc.E164_RE.fullmatch(call.remote_number)
        }
    )


BOARD_LOAD_RE = re.compile(r'<section id="board"[^>]*hx-get="([^"]+)"[^>]*hx-trigger="load')


def board_visit(run: Run) -> int:
    """A browser's visit of the board: the page, then the check it makes once shown (an htmx
    request for the board alone); the upstream requests both made."""
    session = measure.client(run.cookie)
    before = run.upstream()
    page = measure.get_ok(session, run.warm.url + "/calls/callbacks/", 'id="board"')
    found = BOARD_LOAD_RE.search(page.text)
    if found:
        url = urljoin(page.url, found.group(1).replace("&amp;", "&"))
        headers = {"HX-Request": "true", "HX-Target": "board", "HX-Current-URL": page.url}
        measure.get_ok(session, url, 'id="board"', headers=headers)
    return run.upstream() - before


def callbacks_upstream(run: Run) -> list[Row]:
    if not run.routes.get("callbacks"):
        return [("callbacks board cold → upstream", "not built", "≤ 2 + numbers", None)]
    numbers = numbers_to_look_up(run.sim)
    cold, warm = board_visit(run), board_visit(run)
    run.notes.append(
        f"callbacks board: {numbers} distinct numbers with missed calls older than the latest "
        f"50 calls; a cold visit (page + its check) asked Phone.inc {cold} times, a warm one {warm}"
    )
    return [
        (
            "callbacks board cold → upstream",
            str(cold),
            f"≤ 2 + {numbers} numbers",
            cold <= 2 + numbers,
        ),
        ("callbacks board warm → upstream", str(warm), "0", warm == 0),
    ]


# --- Long transcript ----------------------------------------------------------------------


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
    """Warm-cache time of a 2,000-segment call's page against a 10-segment one's, over HTTP,
    sampled alternately."""
    session = measure.client(run.cookie)
    short_url, long_url = (f"{run.warm.url}/calls/{call_id}/" for call_id in (short_id, long_id))
    for _ in range(3):
        measure.get_ok(session, short_url, "Line 9:")
        measure.get_ok(session, long_url, "Line 1999:")
    short, long = [], []
    for _ in range(run.samples):
        short.append(measure.seconds_for(session, short_url, "Line 9:"))
        long.append(measure.seconds_for(session, long_url, "Line 1999:"))
    ratio = measure.median_ms(long) / measure.median_ms(short)
    run.notes.append(
        f"detail page: 10 segments {measure.median_ms(short):.1f} ms, "
        f"2,000 segments {measure.median_ms(long):.1f} ms (medians of {run.samples})"
    )
    return [("detail: 2,000-segment ÷ 10-segment call", f"{ratio:.2f}×", "≤ 5×", ratio <= 5)]


# --- Memory -------------------------------------------------------------------------------


def worker_rss(run: Run) -> dict[str, float]:
    return {
        f"{server.name} {pid}": measure.rss_mb(pid)
        for server in (run.warm, run.cold)
        for pid in server.worker_pids()
    }


def memory(run: Run) -> list[Row]:
    sizes = worker_rss(run)
    run.notes.append(
        "worker RSS after the run: " + ", ".join(f"{k} {v:.0f} MB" for k, v in sizes.items())
    )
    largest = max(sizes.values())
    return [("worker RSS after the run (largest)", f"{largest:.0f} MB", "≤ 120 MB", largest <= 120)]
