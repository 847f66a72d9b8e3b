"""The call history's sync figures, on PostgreSQL, against a fast canned Phone.inc.

- ingest: one `synccalls --once` over 1,000 companies keeping metadata, each with 50 calls it
  has never stored: new calls stored per second (the worker's time, from its first pass's
  start to its last pass's end, by its own log lines);
- a quiet pass: the same companies once more, nothing new: Phone.inc requests and database
  queries of one pass (claim, pass, hand back), and quiet passes per second;
- two workers sharing 1,000 companies for a minute at the deployed 15 s interval: every gap
  between a company's passes within the interval ±20 %, and never two passes of one company
  at once;
- stored size per call at metadata: the stored calls' table with its indexes.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path

from bench import report, servers
from bench.fast_phoneinc import Canned, serve

Row = report.Row
COMPANIES = 1000
INTERVAL = 15
PASS_RE = re.compile(
    r"^(?P<at>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) INFO phonedash\.sync company (?P<company>\d+) "
    r"pass: seen (?P<seen>\d+) new (?P<new>\d+) .* in (?P<ms>\d+) ms$"
)


def passes(log: Path) -> list[tuple[int, datetime, datetime, int]]:
    """(company id, start, end, new calls) of each pass a worker logged."""
    found = []
    for line in log.read_text(errors="replace").splitlines():
        match = PASS_RE.match(line)
        if match:
            end = datetime.strptime(match["at"], "%Y-%m-%d %H:%M:%S,%f")
            start = end - timedelta(milliseconds=int(match["ms"]))
            found.append((int(match["company"]), start, end, int(match["new"])))
    return found


def worker(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [servers.PYTHON, "manage.py", "synccalls", *args],
        cwd=servers.ROOT,
        env={**env, "PHONEDASH_LOG_LEVEL": "INFO"},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def figures(workdir: Path, postgres: servers.Postgres, notes: list[str], quick: bool) -> list[Row]:
    companies = 200 if quick else COMPANIES
    canned = Canned(companies)
    server, url = serve(canned)
    try:
        env = {
            **servers.base_env(workdir, url),
            "DATABASE_URL": postgres.create("bench_sync"),
            "PHONEDASH_SYNC_SECONDS": str(INTERVAL),
        }
        servers.manage(env, "migrate", "--noinput")
        servers.seed(env, "syncing", str(companies), "metadata")
        rows = ingest(env, workdir, companies, notes)
        rows += quiet(env, workdir, canned, companies, notes)
        rows += sharing(env, workdir, companies, notes, seconds=20 if quick else 60)
        return rows
    finally:
        server.shutdown()


def ingest(env, workdir: Path, companies: int, notes: list[str]) -> list[Row]:
    log = workdir / "sync-ingest.log"
    worker(env, log, "--once").wait(timeout=1800)
    found = passes(log)
    new = sum(pass_[3] for pass_ in found)
    took = (max(p[2] for p in found) - min(p[1] for p in found)).total_seconds()
    rate = new / took
    size = servers.seed(env, "table-size")
    per_call = size["bytes"] / max(1, size["rows"])
    notes.append(
        f"sync ingest: {len(found)} first passes, {new:,} new calls in {took:.1f} s "
        f"({rate:,.0f} calls/s); stored calls' table with indexes at metadata: "
        f"{size['bytes'] / 1024**2:.1f} MB for {size['rows']:,} calls"
    )
    return [
        ("sync: new calls stored per second (1 worker)", f"{rate:,.0f}", "≥ 2,000", rate >= 2000),
        ("stored size per call at metadata", f"{per_call:.0f} B", "≤ 1,024 B", per_call <= 1024),
    ]


def quiet(env, workdir: Path, canned: Canned, companies: int, notes: list[str]) -> list[Row]:
    before = canned.requests
    probe = servers.seed(env, "quiet-pass")
    requests = canned.requests - before
    log = workdir / "sync-quiet.log"
    servers.manage(env, "shell", "-c", _DUE_NOW)
    started = canned.requests
    worker(env, log, "--once").wait(timeout=1800)
    found = passes(log)
    took = (max(p[2] for p in found) - min(p[1] for p in found)).total_seconds()
    asked = canned.requests - started
    notes.append(
        f"quiet passes: {len(found)} in {took:.1f} s ({len(found) / took:,.0f}/s), "
        f"{asked / max(1, len(found)):.2f} Phone.inc requests each"
    )
    queries = probe["queries"]
    return [
        ("quiet pass: Phone.inc requests", str(requests), "1", requests == 1),
        ("quiet pass: database queries", str(queries), "≤ 3", queries <= 3),
    ]


_DUE_NOW = (
    "from django.utils import timezone\n"
    "from calls.models import SyncState\n"
    "SyncState.objects.update(due_at=timezone.now())\n"
)
_SPREAD = (
    "from datetime import timedelta\n"
    "from django.utils import timezone\n"
    "from calls.history.worker import phase\n"
    "from calls.models import SyncState\n"
    "now = timezone.now()\n"
    "for state in SyncState.objects.all():\n"
    f"    due = now + timedelta(seconds=phase(state.pk, {INTERVAL}))\n"
    "    SyncState.objects.filter(pk=state.pk).update(due_at=due)\n"
)


def sharing(env, workdir: Path, companies: int, notes: list[str], seconds: int) -> list[Row]:
    servers.manage(env, "shell", "-c", _SPREAD)
    logs = [workdir / f"sync-share-{n}.log" for n in (1, 2)]
    running = [worker(env, log) for log in logs]
    time.sleep(seconds + INTERVAL)
    for process in running:
        servers.stop(process)
    by_company: dict[int, list[tuple[datetime, datetime, int]]] = {}
    for number, log in enumerate(logs):
        for company, start, end, _ in passes(log):
            by_company.setdefault(company, []).append((start, end, number))
    gaps, overlaps, shared = [], 0, 0
    for spans in by_company.values():
        spans.sort()
        shared += len({number for _, _, number in spans}) > 1
        for (start, end, _), (later, _, _) in zip(spans, spans[1:], strict=False):
            gaps.append((later - start).total_seconds())
            overlaps += later < end
    within = sum(0.8 * INTERVAL <= gap <= 1.2 * INTERVAL for gap in gaps)
    share = within / max(1, len(gaps))
    per_worker = [len(passes(log)) for log in logs]
    notes.append(
        f"two workers, {companies:,} companies, {seconds + INTERVAL} s at a {INTERVAL} s interval: "
        f"passes by worker {per_worker}, {len(by_company):,} companies passed, gaps between a "
        f"company's passes median {statistics.median(gaps) if gaps else 0:.1f} s, "
        f"min {min(gaps, default=0):.1f} s, max {max(gaps, default=0):.1f} s; {within:,} of "
        f"{len(gaps):,} within ±20 %; {shared:,} companies passed by both workers in turn"
    )
    every = len(by_company) == companies and share == 1
    return [
        (
            f"two workers × {companies:,} companies: passes {INTERVAL} s ± 20 % apart",
            f"{share:.1%}",
            "100 %",
            every,
        ),
        ("two workers: passes of one company at once", str(overlaps), "0", overlaps == 0),
    ]
