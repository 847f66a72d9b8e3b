"""How each figure is taken: throughput with wrk, page times, bytes on the wire, worker memory.

Every measurement first checks that it measures the page it means to (status 200, the
expected content), so a redirect to the login page can never pass for a fast page.
"""

from __future__ import annotations

import gzip
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
WRK_SECONDS = 2
WRK_CONNECTIONS = 16
WRK_THREADS = 2  # one per core: wrk shares the machine with what it measures


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
    bytes_read: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def bytes_per_request(self) -> float:
        return self.bytes_read / max(1, self.requests)


UNITS = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}


def wrk(url: str, cookie: str, seconds: float | None = None) -> Load:
    """`wrk -t2 -c16 -d2s --timeout 10s` (WRK_SECONDS unless told) with the signed-in cookie;
    any error or non-2xx/3xx answer spoils the figure (callers check that the answers were the
    page, not a redirect)."""
    seconds = WRK_SECONDS if seconds is None else seconds
    command = [
        "wrk",
        f"-t{WRK_THREADS}",
        f"-c{WRK_CONNECTIONS}",
        f"-d{max(1, round(seconds))}s",
        # Past wrk's 2 s default: an export waiting on SQLite's write lock on a busy machine
        # is slow, not lost; a request that takes 10 s is an error.
        "--timeout",
        "10s",
        "-H",
        f"Cookie: {cookie}",
        "-H",
        "Accept-Encoding: gzip",
        url,
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    if bad or errors:
        raise BenchError(f"wrk {url} saw errors:\n{output}")
    done = re.search(r"(\d+) requests in ([\d.]+)(m?s), ([\d.]+)([KMG]?B) read", output)
    elapsed = float(done.group(2)) / (1000 if done.group(3) == "ms" else 1)
    read = float(done.group(4)) * UNITS[done.group(5)]
    return Load(int(done.group(1)), elapsed, int(read))


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
    content_type: str
    text: str  # decoded, for HTML and CSS only (empty otherwise)


ACCEPT = {"Accept-Encoding": "gzip"}  # what the budget allows: gzip accepted, nothing better


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
        content_type = response.getheader("Content-Type", "")
        text = ""
        if "html" in content_type or "css" in content_type:
            text = (gzip.decompress(body) if encoding == "gzip" else body).decode()
        return Transfer(parts.path, response.status, len(body), encoding, content_type, text)
    finally:
        conn.close()


# What a browser fetches for a page: its stylesheets, scripts and icons, and what a stylesheet
# pulls in (@import, url(): fonts, images).
ASSET_RE = re.compile(r'<(?:link[^>]+href|script[^>]+src)="([^"]+)"')
CSS_URL_RE = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""")


def first_visit(page_url: str, cookie: str) -> list[Transfer]:
    """The page and everything it references, as a first, uncached visit fetches it."""
    page = transfer(page_url, {"Cookie": cookie})
    if page.status != 200:
        raise BenchError(f"GET {page_url}: {page.status}")
    seen, parts = set(), [page]
    queue = [urljoin(page_url, href) for href in ASSET_RE.findall(page.text)]
    while queue:
        url = queue.pop(0)
        if url in seen or url.startswith("data:"):
            continue
        seen.add(url)
        asset = transfer(url, {})
        if asset.status != 200:
            raise BenchError(f"GET {asset.path}: {asset.status}")
        parts.append(asset)
        if "css" in asset.content_type:
            for found in CSS_URL_RE.findall(asset.text):
                target = found[0] or found[1]
                if not target.startswith("data:"):
                    queue.append(urljoin(url, target))
    return parts


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
