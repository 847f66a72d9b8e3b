"""How each figure is taken: throughput with wrk, page times, bytes on the wire, worker memory.

Every measurement first checks that it measures the page it means to (status 200, the
expected content), so a redirect to the login page can never pass for a fast list.
"""

from __future__ import annotations

import http.client
import os
import re
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

ROW_MARK = 'class="visually-hidden"> of the call with'  # once per row of the call list


class BenchError(RuntimeError):
    """A measurement could not be taken honestly (wrong page, errors under load...)."""


def login(base: str, username: str, password: str) -> str:
    """Sign in through the real login form; the Cookie header a browser sends from then on
    (the session, and the CSRF cookie it keeps so that pages need not mint a new secret)."""
    session = requests.Session()
    page = session.get(f"{base}/accounts/login/", timeout=10)
    token = session.cookies["csrftoken"]
    answer = session.post(
        f"{base}/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": page.url},
        allow_redirects=False,
        timeout=10,
    )
    if answer.status_code != 302 or "sessionid" not in session.cookies:
        raise BenchError(f"could not sign in as {username}: {answer.status_code}")
    return "; ".join(f"{name}={session.cookies[name]}" for name in ("sessionid", "csrftoken"))


def client(cookie: str) -> requests.Session:
    session = requests.Session()
    session.headers["Cookie"] = cookie
    return session


def get_ok(session: requests.Session, url: str, must_contain: str = "", **kwargs):
    response = session.get(url, allow_redirects=False, timeout=30, **kwargs)
    if response.status_code != 200 or must_contain not in response.text:
        raise BenchError(f"GET {url}: {response.status_code}, not the expected page")
    return response


def rows(html: str) -> int:
    return html.count(ROW_MARK)


# --- Throughput ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    requests: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def wrk(url: str, cookie: str, seconds: int, connections: int = 4) -> Load:
    """Requests served under wrk; any error or non-2xx answer spoils the figure."""
    command = [
        "wrk",
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "-H",
        f"Cookie: {cookie}",
        url,
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    if bad or errors:
        raise BenchError(f"wrk {url} saw errors:\n{output}")
    done = re.search(r"(\d+) requests in ([\d.]+)(m?s)", output)
    elapsed = float(done.group(2)) / (1000 if done.group(3) == "ms" else 1)
    return Load(int(done.group(1)), elapsed)


# --- Page times ----------------------------------------------------------------------------


def seconds_for(session: requests.Session, url: str, must_contain: str = "", **kwargs) -> float:
    started = time.perf_counter()
    get_ok(session, url, must_contain, **kwargs)
    return time.perf_counter() - started


def concurrently(cookie: str, url: str, count: int) -> list[int]:
    """`count` requests released together, each on its own connection; their statuses."""
    barrier = threading.Barrier(count)
    statuses: list[int] = []

    def one() -> None:
        session = client(cookie)
        barrier.wait()
        statuses.append(session.get(url, allow_redirects=False, timeout=30).status_code)

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def median_ms(samples: list[float]) -> float:
    return 1000 * statistics.median(samples)


# --- Bytes on the wire ---------------------------------------------------------------------


@dataclass(frozen=True)
class Transfer:
    path: str
    status: int
    body_bytes: int  # as transferred: compressed when the server compressed it
    encoding: str
    text: str  # decoded, for HTML only (empty otherwise)


ACCEPT = {"Accept-Encoding": "gzip, br"}


def transfer(url: str, headers: dict[str, str]) -> Transfer:
    """One GET over a raw connection: http.client never decodes Content-Encoding."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request("GET", target, headers={**ACCEPT, **headers})
        response = conn.getresponse()
        body = response.read()
        encoding = response.getheader("Content-Encoding", "identity")
        text = ""
        if "html" in response.getheader("Content-Type", "") and encoding == "identity":
            text = body.decode()
        elif "html" in response.getheader("Content-Type", ""):
            text = requests.get(url, headers=headers, timeout=30).text
        return Transfer(parts.path, response.status, len(body), encoding, text)
    finally:
        conn.close()


ASSET_RE = re.compile(r'<(?:link[^>]+href|script[^>]+src)="([^"]+)"')


def first_visit(page_url: str, cookie: str) -> list[Transfer]:
    """The page and every stylesheet, script and icon it links: a first, uncached visit."""
    headers = {"Cookie": cookie}
    page = transfer(page_url, headers)
    if page.status != 200:
        raise BenchError(f"GET {page_url}: {page.status}")
    assets = [transfer(urljoin(page_url, href), {}) for href in ASSET_RE.findall(page.text)]
    for asset in assets:
        if asset.status != 200:
            raise BenchError(f"GET {asset.path}: {asset.status}")
    return [page, *assets]


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used (all their threads), from /proc."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / os.sysconf("SC_CLK_TCK")


# --- Memory --------------------------------------------------------------------------------


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    kilobytes = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))
    return kilobytes / 1024
