"""A fast local Phone.inc for the sync figures: canned answers for many companies' keys.

The simulator renders its calls afresh on every request, which is right for the pages' tests
and too slow to measure how fast a worker stores what Phone.inc answers. This server answers
from bytes made once: for each company key, its newest 50 calls (half inbound, half outbound,
all ended, with ids of its own), and the ended inbound and outbound lists (25 each, so both
reach back and a first pass stores exactly 50 calls). `bump()` gives every company 50 new
calls, as a busy minute would. Standard library only; each request is answered in
microseconds, so what is measured is the worker.
"""

from __future__ import annotations

import json
import random
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

CALLS = 50


def key_of(index: int) -> str:
    return f"bench_key_{index:05d}"


class Canned:
    def __init__(self, companies: int) -> None:
        self.companies = companies
        self.generation = 0
        self.requests = 0
        self._lock = threading.Lock()
        self._answers: dict[str, dict[str, bytes]] = {}
        self.bump()

    def bump(self) -> None:
        """Every company's newest calls are 50 it has not answered before."""
        with self._lock:
            self.generation += 1
            now = datetime.now(UTC).replace(microsecond=0)
            self._answers = {
                key_of(index): self._company(index, now) for index in range(self.companies)
            }

    def _company(self, index: int, now: datetime) -> dict[str, bytes]:
        rng = random.Random(f"{index}-{self.generation}")
        calls = [
            self._call(index, n, now - timedelta(seconds=20 * n + 5), rng) for n in range(CALLS)
        ]
        inbound = [call for call in calls if call["direction"] == "inbound"]
        outbound = [call for call in calls if call["direction"] == "outbound"]
        return {
            "": json.dumps({"calls": calls}).encode(),
            "inbound": json.dumps({"calls": inbound}).encode(),
            "outbound": json.dumps({"calls": outbound}).encode(),
        }

    def _call(self, index: int, n: int, started: datetime, rng: random.Random) -> dict:
        direction = "inbound" if n % 2 == 0 else "outbound"
        remote = f"+1415555{rng.randrange(10000):04d}"
        line = "+12125550100"
        answered = started + timedelta(seconds=rng.randrange(2, 20))
        employee = {"id": f"emp-{index}-{n % 6}", "name": f"Employee {n % 6}"}
        return {
            "id": f"c{index:05d}-{self.generation:04d}-{n:03d}-{rng.getrandbits(48):012x}",
            "from": remote if direction == "inbound" else line,
            "to": line if direction == "inbound" else remote,
            "direction": direction,
            "state": "ended",
            "started_at": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "answered_at": answered.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "duration": rng.randrange(20, 600),
            "summary": None,
            "transcription": None,
            "transcription_segments": None,
            "recording_url": None,
            "main_number_id": "line-1",
            "main_number_name": "Main",
            "main_number": line,
            "main_number_formatted": "+1 212-555-0100",
            "employees": [employee],
            **({"initiated_by": employee} if direction == "outbound" else {}),
        }

    def answer(self, key: str, direction: str) -> bytes | None:
        with self._lock:
            self.requests += 1
            company = self._answers.get(key)
        return None if company is None else company.get(direction, company[""])


def serve(canned: Canned) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms wait

        def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
            parts = urlsplit(self.path)
            direction = parse_qs(parts.query).get("direction", [""])[0]
            body = canned.answer(self.headers.get("X-Api-Key", ""), direction)
            status = 200 if body is not None else 401
            body = body if body is not None else b'{"error": "unauthorized"}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/api/v1"
