"""The history pages' figures, on PostgreSQL with 1,000,000 stored calls of one company over
365 days (200,000 with transcripts) beside 100 companies × 10,000 (`--quick`: 50,000 with
10,000 beside 5 × 10,000):

- the list of the last 7 days (50 rows) and the callbacks board of the last 7 days, warm, under
  the same `wrk` flags as the other pages, interleaved with the bare login-required "ok" view;
- insights over 90-day periods, each request a different window (`from`/`to`) so that no answer
  is reused: median and 90th-percentile latency beside those of a bare
  `SELECT count(*) … WHERE company = … AND started_at in the period` on the same table, timed in
  the same run (the least a page that reads the period's rows must do);
- the export of a period of about 100,000 calls: rows per second, and how much the worker's
  memory grew;
- the call search (bench.search);
- the purge of the calls before the last 30 days while pages are read (bench.purge).
"""

from __future__ import annotations

import csv
import io
import statistics
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import requests

from bench import measure, purge, report, search, servers, throughput
from bench.throughput import Page
from calls.simulator import SEED_COMPANIES

Row = report.Row
ZONE = ZoneInfo("America/New_York")  # the seeded companies' zone
WINDOWS = 21  # 90-day insights requests, each a different window
EXPORT_ROWS = 100_000
ACME_KEY = SEED_COMPANIES[0].api_key


def figures(
    workdir: Path,
    postgres: servers.Postgres,
    api_url: str,
    redis_url: str,
    yardstick: Page,
    notes: list[str],
    *,
    quick: bool,
    rounds: int,
) -> list[Row]:
    """`api_url`: the bench's simulator, which answers the big company as Acme (the callbacks
    board's newest calls); `redis_url`: where the answers are cached, as deployed."""
    calls, companies = (50_000, 5) if quick else (1_000_000, 100)
    transcripts = calls // 5
    env = {
        **servers.base_env(workdir, api_url),
        "DATABASE_URL": postgres.create("bench_history"),
        "REDIS_URL": redis_url,
        # The search's figures ask more than a member's 30 searches a minute.
        "PHONEDASH_SEARCHES_PER_MINUTE": "100000",
    }
    servers.manage(env, "migrate", "--noinput")
    servers.manage(env, "collectstatic", "--noinput")
    started = time.monotonic()
    seeded = servers.seed(
        env, "history", str(calls), str(companies), "10000", ACME_KEY, str(transcripts)
    )
    notes.append(
        f"history pages: {calls:,} stored calls of one company over 365 days ({transcripts:,} "
        f"with transcripts) beside {companies} × 10,000, seeded in "
        f"{time.monotonic() - started:.0f} s"
    )
    server = servers.Gunicorn("history", env, workdir)
    try:
        cookie = seeded["cookie"]
        rows = pages(server, cookie, yardstick, notes, rounds)
        rows += insights(server, cookie, env["DATABASE_URL"], seeded["company"], notes)
        rows += export(server, cookie, calls, notes)
        rows += search.figures(server, cookie, env["DATABASE_URL"], seeded["company"], notes)
        size_rows, note = search.postgres_size(env["DATABASE_URL"], transcripts)
        notes.append(note)
        rows += size_rows
        rows += search.sqlite_size(workdir, notes, quick)
        # Last: it deletes most of what the others read.
        rows += purge.figures(server, cookie, env, seeded["company"], ZONE, notes)
        return rows
    finally:
        server.stop()


def pages(server, cookie: str, yardstick: Page, notes: list[str], rounds: int) -> list[Row]:
    measured = [
        Page(
            "history list, 7 days",
            server,
            "/calls/?period=7d",
            cookie,
            throughput.list_check,
            0.3,
        ),
        Page(
            "history callbacks, 7 days",
            server,
            "/calls/callbacks/?period=7d",
            cookie,
            throughput.html_check('id="board"'),
            0.2,
        ),
    ]
    throughput.measure_rounds(yardstick, measured, rounds)
    notes.append(throughput.note(yardstick, measured))
    rows = []
    for page in measured:
        ratio = statistics.median(page.ratios)
        rows.append(
            (f"warm {page.name} ÷ ok", f"{ratio:.2f}", f"≥ {page.budget:.2f}", ratio >= page.budget)
        )
    return rows


def windows(count: int) -> list[tuple[date, date]]:
    """`count` different 90-day windows inside the last 365 days."""
    today = datetime.now(ZONE).date()
    step = max(1, (365 - 90) // count)
    return [
        (today - timedelta(days=89 + n * step), today - timedelta(days=n * step))
        for n in range(count)
    ]


def insights(server, cookie: str, database: str, company: int, notes: list[str]) -> list[Row]:
    import psycopg

    client = measure.client(cookie)
    page_times, count_times = [], []
    with psycopg.connect(database) as connection:
        for first, last in windows(WINDOWS):
            since = datetime(first.year, first.month, first.day, tzinfo=ZONE)
            following = last + timedelta(days=1)
            until = datetime(following.year, following.month, following.day, tzinfo=ZONE)
            began = time.perf_counter()
            connection.execute(
                "SELECT count(*) FROM calls_storedcall WHERE company_id = %s "
                "AND started_at >= %s AND started_at < %s",
                (company, since, until),
            ).fetchone()
            count_times.append(time.perf_counter() - began)
            began = time.perf_counter()
            response = client.get(
                f"{server.url}/calls/insights/",
                params={"from": str(first), "to": str(last)},
                timeout=60,
            )
            page_times.append(time.perf_counter() - began)
            if response.status_code != 200 or "Covers" not in response.text:
                raise measure.BenchError(f"insights {first}–{last}: {response.status_code}")
    page_ms = statistics.median(page_times) * 1000
    count_ms = statistics.median(count_times) * 1000
    budget = max(3 * count_ms, count_ms + 30)
    page_p90, count_p90 = percentile(page_times) * 1000, percentile(count_times) * 1000
    notes.append(
        f"insights over {WINDOWS} different 90-day windows: median {page_ms:.0f} ms, 90th "
        f"percentile {page_p90:.0f} ms; the bare count(*) of the same windows: median "
        f"{count_ms:.1f} ms, 90th percentile {count_p90:.1f} ms"
    )
    return [
        (
            "insights, 90 days: median latency",
            f"{page_ms:.0f} ms",
            f"≤ {budget:.0f} ms",
            page_ms <= budget,
        )
    ]


def percentile(values: list[float], share: float = 0.9) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def export(server, cookie: str, calls: int, notes: list[str]) -> list[Row]:
    """A period of about EXPORT_ROWS calls (calls are spread evenly over the year; with
    fewer calls, as many as 300 days hold)."""
    days = min(300, max(1, round(EXPORT_ROWS / (calls / 365))))
    today = datetime.now(ZONE).date()
    params = {"from": str(today - timedelta(days=days + 29)), "to": str(today - timedelta(days=30))}
    pids = server.worker_pids()
    before = {pid: measure.rss_mb(pid) for pid in pids}
    began = time.perf_counter()
    first_byte = None
    body = io.BytesIO()
    with requests.get(
        f"{server.url}/calls/export.csv",
        params=params,
        headers={"Cookie": cookie},
        stream=True,
        timeout=600,
    ) as response:
        if response.status_code != 200:
            raise measure.BenchError(f"export: {response.status_code}")
        for chunk in response.iter_content(chunk_size=65536):
            if first_byte is None:
                first_byte = time.perf_counter() - began
            body.write(chunk)
    took = time.perf_counter() - began
    grew = max(measure.rss_mb(pid) - before[pid] for pid in pids)
    rows = len(list(csv.reader(io.StringIO(body.getvalue().decode())))) - 1
    rate = rows / took
    notes.append(
        f"export of {params['from']} to {params['to']}: {rows:,} rows in {took:.1f} s "
        f"({rate:,.0f} rows/s), first bytes after {first_byte * 1000:.0f} ms, worker RSS grew "
        f"{grew:.1f} MB"
    )
    return [
        ("export of a period: rows per second", f"{rate:,.0f}", "≥ 20,000", rate >= 20_000),
        ("export of a period: first bytes", f"{first_byte * 1000:.0f} ms", "≤ 1000 ms",
         first_byte <= 1.0),
        ("export of a period: worker RSS growth", f"{grew:.1f} MB", "≤ 30 MB", grew <= 30),
    ]  # fmt: skip
