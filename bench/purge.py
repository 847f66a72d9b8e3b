"""The purge of a million expired calls while members read pages: the history step's last
figure, since it deletes what the others read.

The big company keeps its last KEPT_DAYS days from now on, and `purgehistory` deletes the rest
(about 920,000 of its 1,000,000 calls; `--quick`: 46,000) in its batches while READERS members
ask for pages over the kept days, each request a different window so that nothing kept answers
it: the list, insights, a search, and the export of a day (which records an audit event, a
write). Meanwhile pg_stat_activity is read every 50 ms for backends waiting on a lock.

Figures: the longest lock wait seen (budget: under a second; measured from the waiting
query's start, so an overestimate), every page answered, the slowest page (reported: it
shares two cores with the purge and PostgreSQL), and the purge's rows per second, finished
with no expired call left.
"""

from __future__ import annotations

import re
import threading
import time
from datetime import datetime, timedelta

import psycopg

from bench import measure, report, servers

Row = report.Row
KEPT_DAYS = 30
READERS = 4
WATCH_SECONDS = 0.05


def figures(server, cookie: str, env: dict, company: int, zone, notes: list[str]) -> list[Row]:
    database = env["DATABASE_URL"]
    today = datetime.now(zone).date()
    first_kept = today - timedelta(days=KEPT_DAYS - 1)
    cutoff = datetime(first_kept.year, first_kept.month, first_kept.day, tzinfo=zone)
    with psycopg.connect(database, autocommit=True) as connection:
        name = connection.execute(
            "UPDATE calls_company SET history_days = %s WHERE id = %s RETURNING name",
            (KEPT_DAYS, company),
        ).fetchone()[0]
        expired = _expired(connection, company, cutoff)
    done = threading.Event()
    answered: list[tuple[str, int, float]] = []  # (page, status, seconds)
    waits: list[float] = []

    def member(number: int) -> None:
        client = measure.client(cookie)
        turn = number
        while not done.is_set():
            turn += READERS
            day = today - timedelta(days=turn % (KEPT_DAYS - 8) + 1)
            window = {"from": str(day - timedelta(days=turn % 7)), "to": str(day)}
            path, params = (
                ("/calls/", window),
                ("/calls/insights/", window),
                ("/calls/search/", {**window, "q": "invoice"}),
                ("/calls/export.csv", {"from": str(day), "to": str(day)}),
            )[turn % 4]
            began = time.perf_counter()
            response = client.get(server.url + path, params=params, timeout=60)
            answered.append((path, response.status_code, time.perf_counter() - began))

    def watch() -> None:
        with psycopg.connect(database, autocommit=True) as connection:
            while not done.is_set():
                waits.extend(
                    seconds
                    for (seconds,) in connection.execute(
                        "SELECT extract(epoch FROM now() - query_start) FROM pg_stat_activity "
                        "WHERE wait_event_type = 'Lock' AND datname = current_database()"
                    )
                )
                time.sleep(WATCH_SECONDS)

    threads = [threading.Thread(target=member, args=(n,)) for n in range(READERS)]
    threads.append(threading.Thread(target=watch))
    for thread in threads:
        thread.start()
    try:
        time.sleep(1)  # the members are reading before the purge starts
        began = time.perf_counter()
        said = servers.manage(env, "purgehistory", "--company", name)
        took = time.perf_counter() - began
    finally:
        done.set()
        for thread in threads:
            thread.join()
    with psycopg.connect(database, autocommit=True) as connection:
        left = _expired(connection, company, cutoff)
    removed = int(re.search(r": ([\d,]+) calls? older", said).group(1).replace(",", ""))
    finished = removed == expired and left == 0
    failed = [(path, status) for path, status, _ in answered if status != 200]
    longest_wait = max(waits, default=0.0) * 1000
    slowest = max((seconds for _, _, seconds in answered), default=0.0) * 1000
    rate = removed / took
    notes.append(
        f"purge under load: {removed:,} of {expired:,} expired calls deleted in {took:.1f} s "
        f"({rate:,.0f}/s), {left} left; {len(answered)} pages read by {READERS} members "
        f"meanwhile, {len(failed)} not answered 200{f' {failed[:5]}' if failed else ''}; "
        f"slowest {slowest:.0f} ms; backends seen waiting on a lock: {len(waits)}"
    )
    return [
        (
            "purge of expired calls under page load: rows per second",
            f"{rate:,.0f}",
            "finishes",
            finished,
        ),
        (
            "purge under load: longest lock wait of a page",
            f"{longest_wait:.0f} ms",
            "≤ 1000 ms",
            longest_wait <= 1000 and not failed,
        ),
        ("purge under load: slowest page", f"{slowest:.0f} ms", "reported", True),
    ]


def _expired(connection, company: int, cutoff: datetime) -> int:
    return connection.execute(
        "SELECT count(*) FROM calls_storedcall WHERE company_id = %s AND started_at < %s",
        (company, cutoff),
    ).fetchone()[0]
