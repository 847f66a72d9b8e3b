"""A stand-in Phone.inc that answers with exactly the JSON a test gives it, over real HTTP.

The simulator builds sensible calls and would refuse (or choke on) the values these tests are
about: a started_at in year 9999, a duration of 10**400. This server sends each call as given:
the list endpoint answers `{"calls": [...]}` whatever the query, and GET /calls/<id> the call
routed to that id, else the call with that id, else the first.
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

API_PATH = "/api/v1"


class CannedUpstream:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        # An id in the URL -> the call it answers, or the bytes of its JSON as sent.
        self.routes: dict[str, dict[str, Any] | bytes] = {}
        self.requests = 0
        upstream = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                upstream.requests += 1
                path = self.path.partition("?")[0]
                if path == f"{API_PATH}/calls":
                    self.answer(200, {"calls": upstream.calls})
                elif path.startswith(f"{API_PATH}/calls/") and upstream.calls:
                    wanted = path.rpartition("/")[2]
                    found = [call for call in upstream.calls if call.get("id") == wanted]
                    self.answer(200, upstream.routes.get(wanted) or (found or upstream.calls)[0])
                else:
                    self.answer(404, {"error": "not found"})

            def answer(self, status: int, data: object) -> None:
                body = data if isinstance(data, bytes) else json.dumps(data).encode()
                head = (
                    f"HTTP/1.1 {status} {'OK' if status == 200 else 'Not Found'}\r\n"
                    "Content-Type: application/json\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n"
                )
                # One write: headers and body in separate packets would wait out the
                # client's delayed ACK (40 ms) on every request.
                self.wfile.write(head.encode() + body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}{API_PATH}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@contextmanager
def canned_upstream() -> Iterator[CannedUpstream]:
    upstream = CannedUpstream()
    try:
        yield upstream
    finally:
        upstream.stop()
