"""The call search's figures, on the history step's PostgreSQL (one company's 1,000,000 calls,
200,000 of them with transcripts of about 2 KB; `--quick`: 50,000 and 10,000), and on SQLite:

- a search's first page, median latency, for a common word, a rare word, a phrase and three
  words, beside `/calls/?period=7d` timed in the same rounds (interleaved, one request at a
  time): warm (each asked again, as the list's page is: both are kept under the company's
  history version) against the budget of 3 × the list, and cold (the history version moved on
  before each request, so neither page nor search is kept) reported beside the cold list;
- the index's size per 1,000 transcripts: PostgreSQL's `calls_search` table with its indexes,
  and the folded words the stored calls keep for it; SQLite's FTS5 tables, measured on a
  database of its own seeded with `seedhistory`.
"""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path

import psycopg
import requests

from bench import measure, report, servers

Row = report.Row
LIST = "/calls/?period=7d"
SAMPLES = 15  # requests per page and round, warm
COLD_SAMPLES = 7  # requests per page, each after the history version moved on
ROUNDS = 3
# The synthetic conversations' words (calls.history.synthetic_talk): "invoice" is said in most
# calls, an order number in a handful; the phrase and the three words in many.
QUERIES = {
    "common word": "invoice",
    "rare word": None,  # an order number a stored call says, found in the database
    "phrase": '"late fee"',
    "three words": "faulty replacement label",
}
SQLITE_TRANSCRIPTS = 20_000


def figures(server, cookie: str, database: str, company: int, notes: list[str]) -> list[Row]:
    queries = {**QUERIES, "rare word": rare_word(database, company)}
    client = measure.client(cookie)
    urls = {"list": LIST, **{name: search_url(q) for name, q in queries.items()}}
    for url in urls.values():  # each once, so that every one is kept and checked
        measure.get_ok(client, server.url + url, "results" if "search" in url else "calls")
    warm: dict[str, list[float]] = {name: [] for name in urls}
    cold: dict[str, list[float]] = {name: [] for name in urls}
    with psycopg.connect(database, autocommit=True) as connection:
        for _ in range(ROUNDS):
            for name, url in urls.items():
                for _ in range(SAMPLES):
                    warm[name].append(measure.seconds_for(client, server.url + url))
        for _ in range(COLD_SAMPLES):
            for name, url in urls.items():
                connection.execute(
                    "UPDATE calls_company SET history_version = history_version + 1 WHERE id = %s",
                    (company,),
                )
                cold[name].append(measure.seconds_for(client, server.url + url))
        found = {name: total(client, server.url + urls[name]) for name in queries}
    list_ms = measure.median_ms(warm["list"])
    rows = []
    for name in queries:
        ms = measure.median_ms(warm[name])
        budget = 3 * list_ms
        rows.append(
            (f"search, {name}: median latency", f"{ms:.1f} ms", f"≤ {budget:.1f} ms", ms <= budget)
        )
    cold_text = ", ".join(
        f"{name} {measure.median_ms(samples):.0f} ms" for name, samples in cold.items()
    )
    asked = ", ".join(
        f"{name} {q!r} → {found[name]} call{'' if found[name] == '1' else 's'}"
        for name, q in queries.items()
    )
    notes.append(
        f"search (PostgreSQL): {asked}; "
        f"warm medians of {ROUNDS} × {SAMPLES}: list {list_ms:.1f} ms, "
        + ", ".join(f"{name} {measure.median_ms(warm[name]):.1f} ms" for name in queries)
        + f"; cold (history version moved on before each, median of {COLD_SAMPLES}): {cold_text}"
    )
    return rows


def rare_word(database: str, company: int) -> str:
    """An order number one of the company's calls says (the first in its summaries)."""
    with psycopg.connect(database) as connection:
        summary = connection.execute(
            "SELECT summary FROM calls_storedcall WHERE company_id = %s"
            " AND summary LIKE '%%order #%%' ORDER BY id LIMIT 1",
            (company,),
        ).fetchone()[0]
    return summary.split("order #", 1)[1].split()[0].rstrip(";.,")


def search_url(q: str) -> str:
    return "/calls/search/?" + requests.compat.urlencode({"q": q})


def total(client, url: str) -> str:
    """How many calls the page says match: "1,234", or "more than 10,000"."""
    found = re.search(
        r'class="period-count">(More than )?<strong>([\d,]+)</strong>',
        client.get(url, timeout=60).text,
    )
    if found is None:
        return "no"
    return ("more than " if found.group(1) else "") + found.group(2)


def postgres_size(database: str, transcripts: int) -> tuple[list[Row], str]:
    with psycopg.connect(database) as connection:
        table = connection.execute("SELECT pg_total_relation_size('calls_search')").fetchone()[0]
        words = connection.execute(
            "SELECT coalesce(sum(coalesce(pg_column_size(search_summary), 0)"
            " + coalesce(pg_column_size(search_transcript), 0)), 0) FROM calls_storedcall"
        ).fetchone()[0]
    per = 1000 / transcripts
    row = (
        "search index per 1,000 transcripts (PostgreSQL)",
        f"{table * per / 1e6:.2f} MB + {words * per / 1e6:.2f} MB words",
        "reported",
        True,
    )
    note = (
        f"search index on PostgreSQL: calls_search with its GIN and start indexes "
        f"{table / 1e6:,.0f} MB, the folded words kept in calls_storedcall {words / 1e6:,.0f} MB, "
        f"for {transcripts:,} transcripts (and every call's summary)"
    )
    return [row], note


def sqlite_size(workdir: Path, notes: list[str], quick: bool) -> list[Row]:
    """Seed a SQLite database with transcripts and measure its FTS5 tables."""
    transcripts = SQLITE_TRANSCRIPTS // (4 if quick else 1)
    path = workdir / "search-size.sqlite3"
    env = {**servers.base_env(workdir, "http://127.0.0.1:9"), "DATABASE_URL": f"sqlite:///{path}"}
    env["PHONE_INC_API_KEY"] = "bench-sqlite-size"
    servers.manage(env, "migrate", "--noinput")
    servers.manage(
        env, "createcompany", "Bench SQLite", "--history", "transcripts", "--history-days", "365"
    )
    began = time.monotonic()
    servers.manage(
        env,
        "seedhistory",
        "--company",
        "Bench SQLite",
        "--calls",
        str(transcripts),
        "--days",
        "365",
        "--transcripts",
        str(transcripts),
        "--no-progress",
    )
    with sqlite3.connect(path) as connection:
        fts = connection.execute(
            "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'calls_search%'"
        ).fetchone()[0]
        words = connection.execute(
            "SELECT sum(length(coalesce(search_summary, '')) + length(coalesce(search_transcript,"
            " ''))) FROM calls_storedcall"
        ).fetchone()[0]
    per = 1000 / transcripts
    notes.append(
        f"search index on SQLite: FTS5 tables {fts / 1e6:.1f} MB and the folded words "
        f"{words / 1e6:.1f} MB for {transcripts:,} transcripts (seeded in "
        f"{time.monotonic() - began:.0f} s)"
    )
    return [
        (
            "search index per 1,000 transcripts (SQLite)",
            f"{fts * per / 1e6:.2f} MB + {words * per / 1e6:.2f} MB words",
            "reported",
            True,
        )
    ]
