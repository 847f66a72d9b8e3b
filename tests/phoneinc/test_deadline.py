"""The Phone.inc client's time limits over real sockets: slow bodies and one deadline per page.

A tiny local server plays the slow Phone.inc (a body trickled a byte at a time, a body that
stalls half way, gzip and chunked bodies sent in pieces); the simulator plays a slow but
steady one. The promise held: a page never waits more than 10 s for Phone.inc in all.
"""

from __future__ import annotations

import contextlib
import gzip
import http.server
import json
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from calls import phoneinc
from calls.phoneinc import PhoneIncClient, Unavailable
from tests.conftest import ACME_KEY

BODY = json.dumps({"calls": []}).encode()
Script = Callable[[http.server.BaseHTTPRequestHandler], None]


class SlowServer:
    """Answers every GET with `script(handler)`, which writes the whole response itself."""

    def __init__(self, script: Script) -> None:
        self.requests = 0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                server.requests += 1
                # The client giving up mid-answer, as it should, is no error here.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    script(self)

            def log_message(self, *args) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/api/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def slow_server() -> Iterator[Callable[[Script], SlowServer]]:
    started: list[SlowServer] = []

    def start(script: Script) -> SlowServer:
        started.append(SlowServer(script))
        return started[-1]

    yield start
    for server in started:
        server.stop()


def headers(handler, *, length: int | None = None, **extra: str) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    if length is not None:
        handler.send_header("Content-Length", str(length))
    for name, value in extra.items():
        handler.send_header(name.replace("_", "-"), value)
    handler.end_headers()
    handler.wfile.flush()


def trickle(handler, body: bytes, gap: float) -> None:
    for byte in body:
        handler.wfile.write(bytes([byte]))
        handler.wfile.flush()
        time.sleep(gap)


def timed(work: Callable[[], object]) -> tuple[object, float]:
    started = time.monotonic()
    try:
        result = work()
    except Exception as error:
        result = error
    return result, time.monotonic() - started


def test_it_cuts_off_a_body_trickled_a_byte_at_a_time(slow_server):
    """Each byte comes well within the read timeout; the whole would take 12 s."""
    body = b'{"calls": [], "padding": "' + b"x" * 14 + b'"}'  # 40 bytes at 0.3 s each

    def script(handler) -> None:
        headers(handler, length=len(body))
        trickle(handler, body, gap=0.3)

    server = slow_server(script)
    client = PhoneIncClient(ACME_KEY, base_url=server.url, timeout=1, total_timeout=1)
    error, elapsed = timed(client.list_calls)

    assert isinstance(error, Unavailable), error
    assert "took too long" in error.message
    assert elapsed < 1.5
    assert server.requests == 1


def test_it_waits_for_a_stalled_body_no_longer_than_the_time_left(slow_server):
    """Bytes come 0.9 s apart (inside the 1.8 s read timeout), then stop: the last wait is cut
    to what is left of the 2 s budget instead of a whole read timeout."""

    def script(handler) -> None:
        headers(handler, length=len(BODY))
        trickle(handler, BODY[:3], gap=0.9)
        time.sleep(5)

    server = slow_server(script)
    client = PhoneIncClient(ACME_KEY, base_url=server.url, timeout=1.8, total_timeout=2)
    error, elapsed = timed(client.list_calls)

    assert isinstance(error, Unavailable), error
    assert "took too long" in error.message
    assert 1.7 < elapsed < 2.5


def test_it_reads_a_gzip_body_sent_in_pieces(slow_server):
    calls = {
        "calls": [
            {
                "id": "c1",
                "from": "+14085550199",
                "to": "+14155551234",
                "direction": "inbound",
                "state": "ended",
            }
        ]
    }
    packed = gzip.compress(json.dumps(calls).encode())

    def script(handler) -> None:
        headers(handler, length=len(packed), Content_Encoding="gzip")
        for start in range(0, len(packed), 16):
            handler.wfile.write(packed[start : start + 16])
            handler.wfile.flush()
            time.sleep(0.01)

    server = slow_server(script)
    listed = PhoneIncClient(ACME_KEY, base_url=server.url).list_calls()

    assert [call.id for call in listed] == ["c1"]


def test_it_reads_a_chunked_body(slow_server):
    def script(handler) -> None:
        headers(handler, Transfer_Encoding="chunked")
        for start in range(0, len(BODY), 5):
            piece = BODY[start : start + 5]
            handler.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            handler.wfile.flush()
            time.sleep(0.01)
        handler.wfile.write(b"0\r\n\r\n")
        handler.wfile.flush()

    server = slow_server(script)
    assert PhoneIncClient(ACME_KEY, base_url=server.url).list_calls() == []


def test_it_reuses_the_connection_after_reading_a_body(slow_server):
    """Reading the body piece by piece still hands the connection back to the pool."""
    connections = set()

    def script(handler) -> None:
        connections.add(handler.client_address)
        headers(handler, length=len(BODY))
        handler.wfile.write(BODY)
        handler.wfile.flush()

    server = slow_server(script)
    client = PhoneIncClient(ACME_KEY, base_url=server.url)
    for _ in range(3):
        assert client.list_calls() == []
    assert server.requests == 3 and len(connections) == 1


# --- One deadline per request ------------------------------------------------------------------


def test_it_shares_the_request_deadline_between_calls(simulator, simulator_server):
    """Two calls in a row, each well inside its own budget, share the page's budget."""
    simulator.delay = 0.6
    client = PhoneIncClient(ACME_KEY, base_url=simulator_server.url, total_timeout=10)
    started = time.monotonic()
    with phoneinc.request_deadline(1.0):
        assert len(client.list_calls()) == 10
        error, _ = timed(client.list_calls)
    elapsed = time.monotonic() - started

    assert isinstance(error, Unavailable), error
    assert "took too long" in error.message
    assert elapsed < 1.3


def test_it_asks_nothing_once_the_request_deadline_has_passed(simulator, simulator_server):
    client = PhoneIncClient(ACME_KEY, base_url=simulator_server.url)
    with phoneinc.request_deadline(0), pytest.raises(Unavailable) as caught:
        client.list_calls()

    assert "took too long" in caught.value.message
    assert simulator.request_count("/api/") == 0


def test_it_never_lets_a_nested_deadline_extend_the_outer_one():
    assert phoneinc.request_time_left() is None
    with phoneinc.request_deadline(2) as outer:
        with phoneinc.request_deadline(30) as inner:
            assert inner == outer
            assert 1.5 < phoneinc.request_time_left() <= 2
        with phoneinc.request_deadline(0.5):
            assert phoneinc.request_time_left() <= 0.5
        assert phoneinc.request_time_left() > 1.5
    assert phoneinc.request_time_left() is None
