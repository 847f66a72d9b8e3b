"""Serving the simulator over real HTTP, from a daemon thread.

`http.server` from the stdlib, threaded, HTTP/1.1 with keep-alive so a client's connection
pool behaves as it would against the real API. Routes: `/api/v1/*` (the vendor API, with
faults and latency), `/recordings/<token>/recording.wav`, and `/` plus `/_sim/*` (control).
"""

from __future__ import annotations

import socket
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlsplit

from . import api, control
from .reply import Reply, json_reply, text_reply

if TYPE_CHECKING:
    from .core import Simulator

MAX_BODY = 1_000_000


class ServerHandle:
    """A running simulator server: its URLs, and how to stop it."""

    def __init__(self, server: _Server, thread: threading.Thread, host: str) -> None:
        self._server = server
        self._thread = thread
        self.host = host
        self.port: int = server.server_address[1]
        self.root = f"http://{host}:{self.port}"
        self.url = f"{self.root}/api/v1"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the server stops (or `timeout` passes); True once it has stopped."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def __enter__(self) -> ServerHandle:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<ServerHandle {self.url}>"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128  # the default 5 makes bursts of new connections wait a second

    def __init__(self, address: tuple[str, int], simulator: Simulator, quiet: bool) -> None:
        self.simulator = simulator
        self.quiet = quiet
        super().__init__(address, _Handler)

    def handle_error(self, request: object, client_address: object) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the client gave up (a timeout test, a closed tab): not our problem
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "PhoneIncSimulator/1.0"

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in separate writes; without this, Nagle's algorithm and
        # delayed ACKs add ~40 ms to every small answer, which would skew any benchmark.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self._dispatch()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    def _dispatch(self) -> None:
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        root = f"http://{self.headers.get('Host')}" if self.headers.get("Host") else ""
        try:
            body = self._read_body()
        except ValueError:
            self.close_connection = True
            self._send(text_reply(400, "Bad Content-Length.\n"))
            return
        try:
            reply = self._route(path, query, body, root or self.server.simulator.default_root)
        except Exception:  # a simulator bug must show, not pass for a vendor fault
            traceback.print_exc()
            reply = json_reply(500, {"error": "Simulator error"})
        self._send(reply)

    def _route(self, path: str, query: dict[str, list[str]], body: bytes, root: str) -> Reply:
        sim = self.server.simulator
        method = self.command
        if path.startswith("/api/"):
            api_key = self.headers.get("X-Api-Key")
            sim.record(method, path, query, api_key)
            fault = sim.take_fault(path)
            wait = sim.delay + (fault.delay if fault else 0.0)
            if wait:
                time.sleep(wait)
            reply = fault.answer(path) if fault else None
            return reply or api.handle(sim, method, path, query, api_key, root)
        if path.startswith("/recordings/"):
            sim.record(method, path, query, None)
            token, slash, name = path.removeprefix("/recordings/").partition("/")
            if not slash or name != "recording.wav":
                return text_reply(404, "Not found.\n")
            if method not in ("GET", "HEAD"):
                return Reply(405, {"Allow": "GET, HEAD", "Content-Type": "text/plain"}, b"")
            return sim.recording(token, self.headers.get("Range"))
        if path == "/" or path.startswith("/_sim/"):
            return control.handle(sim, method, path, body, root)
        return json_reply(404, {"error": "Not found"})

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0 or length > MAX_BODY:
            raise ValueError("request body too large")
        return self.rfile.read(length) if length else b""

    def _send(self, reply: Reply) -> None:
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(reply.body)
        except ConnectionError:
            self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        if not self.server.quiet:
            super().log_message(format, *args)


def start_server(sim: Simulator, host: str, port: int, *, quiet: bool = True) -> ServerHandle:
    """Bind now (so a port in use fails here, not in the thread), then serve in the background."""
    server = _Server((host, port), sim, quiet)
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name=f"phone-inc-simulator-{server.server_address[1]}",
        daemon=True,
    )
    thread.start()
    public_host = "127.0.0.1" if host in ("", "0.0.0.0") else host
    return ServerHandle(server, thread, public_host)
