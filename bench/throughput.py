"""Warm pages under wrk, each divided by the yardstick's throughput measured beside it.

The yardstick (bench.yardstick) is the bare stack: a login-required Django view returning
"ok" with database sessions, served by gunicorn with the dashboard's flags. Every wrk run is
`-t2 -c16 -d2s`. This machine's speed drifts (other work, turbo, caches: the yardstick itself
reads 1,400 req/s one run and 620 a few runs on), so every page run sits between two of the
yardstick's:

    ok  list  ok  callbacks  ok  insights  ok  export  ok  export  ok  insights  ok  ...

and a page's ratio in a round is its req/s over the mean of the two yardstick runs around
it, taken seconds apart; the figure is the median over the rounds. The workers' CPU time per
request is noted beside each page: it hardly depends on what else the machine does.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field

from bench import measure
from bench.servers import Gunicorn

LIST_50 = "/calls/?limit=50"


@dataclass
class Page:
    name: str  # as the table names it
    server: Gunicorn
    path: str
    cookie: str
    check: Callable[[object], str | None]  # the response → None, or what is wrong with it
    budget: float | None  # the lowest ratio to the yardstick allowed; None for the yardstick
    rates: list[float] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)
    cpu: float = 0.0
    served: int = 0
    body_bytes: int = 0

    @property
    def url(self) -> str:
        return self.server.url + self.path

    def verify(self) -> None:
        """The page as wrk will ask for it is the page meant, signed in: not a redirect."""
        response = measure.client(self.cookie).get(
            self.url, allow_redirects=False, timeout=30, headers=measure.ACCEPT
        )
        problem = (
            f"status {response.status_code}" if response.status_code != 200 else None
        ) or self.check(response)
        if problem:
            raise measure.BenchError(f"GET {self.url}: {problem}")
        # As sent: wrk counts the compressed bytes when the page is compressed.
        self.body_bytes = int(response.headers.get("Content-Length") or len(response.content))

    def load(self) -> measure.Load:
        pids = self.server.worker_pids()
        before = measure.cpu_seconds(pids)
        load = measure.wrk(self.url, self.cookie)
        self.cpu += measure.cpu_seconds(pids) - before
        self.served += load.requests
        self.rates.append(load.rate)
        # A signed-out answer (a 302 to the login page) is a few hundred bytes: a page whose
        # answers under load are much smaller than the page itself was not the page.
        if load.bytes_per_request < 0.9 * self.body_bytes:
            raise measure.BenchError(
                f"wrk {self.url}: {load.bytes_per_request:.0f} bytes per answer, "
                f"the page has {self.body_bytes}"
            )
        return load


def list_check(response) -> str | None:
    shown = measure.rows(response.text)
    return None if shown == 50 else f"shows {shown} calls, not 50"


def text_check(expected: str) -> Callable[[object], str | None]:
    def check(response) -> str | None:
        return None if response.text == expected else f"answers {response.text[:40]!r}"

    return check


def html_check(mark: str) -> Callable[[object], str | None]:
    def check(response) -> str | None:
        if not response.headers.get("Content-Type", "").startswith("text/html"):
            return f"is {response.headers.get('Content-Type')}, not HTML"
        return None if mark in response.text else f"has no {mark!r}"

    return check


def csv_check(response) -> str | None:
    if not response.headers.get("Content-Type", "").startswith("text/csv"):
        return f"is {response.headers.get('Content-Type')}, not CSV"
    records = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    return None if len(records) == 51 else f"has {len(records) - 1} rows, not 50"


def measure_rounds(yardstick: Page, pages: list[Page], rounds: int) -> None:
    """Interleaved wrk runs: every page run between two of the yardstick's, its ratio taken to
    their mean; the pages' order alternates between rounds, so each is as often early as late."""
    for page in (yardstick, *pages):
        page.verify()
        measure.wrk(page.url, page.cookie, 2)  # warm both workers, their caches and memos
    yardstick.load()
    for number in range(rounds):
        for page in pages if number % 2 == 0 else list(reversed(pages)):
            rate = page.load().rate
            before, after = yardstick.rates[-1], yardstick.load().rate
            page.ratios.append(rate / ((before + after) / 2))
    for page in (yardstick, *pages):
        page.verify()  # still signed in, still the page: nothing expired during the runs


def cpu_ms(page: Page) -> float:
    return 1000 * page.cpu / max(1, page.served)


def note(yardstick: Page, pages: list[Page]) -> str:
    rates = ", ".join(f"{rate:.0f}" for rate in yardstick.rates)
    parts = [f"yardstick req/s by round: {rates}; CPU {cpu_ms(yardstick):.2f} ms/request"]
    for page in pages:
        spread = f"{min(page.ratios):.2f}–{max(page.ratios):.2f}"
        parts.append(
            f"{page.name}: median {statistics.median(page.rates):.0f} req/s, ratios {spread}, "
            f"CPU {cpu_ms(page):.2f} ms/request (CPU ratio {cpu_ms(yardstick) / cpu_ms(page):.2f})"
        )
    flags = f"-t{measure.WRK_THREADS} -c{measure.WRK_CONNECTIONS} -d{measure.WRK_SECONDS}s"
    return f"warm pages under wrk {flags}: " + "; ".join(parts)
