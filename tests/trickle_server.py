"""A raw-socket Phone.inc that answers slowly in one chosen phase of an HTTP response.

Each script sends its response as steps (bytes, then a pause), every pause well inside the
client's read timeout, so no single read ever times out: only a deadline over the whole
request can stop the client. A script would run far longer than any test's budget, but not
for ever (MAX_SECONDS), so a client without such a deadline fails its test instead of hanging.
"""

from __future__ import annotations

import contextlib
import itertools
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator

MAX_SECONDS = 30  # a script stops after this long, whatever the client does
GAP = 0.05  # seconds between steps: far inside any read timeout
Script = Callable[[], Iterable[bytes]]

OK_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"


def each_byte(data: bytes) -> Iterator[bytes]:
    return (bytes([byte]) for byte in data)


def status_line() -> Iterable[bytes]:
    """The status line a byte at a time, its reason phrase never ending."""
    return itertools.chain(each_byte(b"HTTP/1.1 200 OK"), itertools.repeat(b"K"))


def one_header() -> Iterable[bytes]:
    """The status line at once, then one header a byte at a time, never ending."""
    return itertools.chain([OK_HEAD], each_byte(b"X-Slow: "), itertools.repeat(b"a"))


def many_headers() -> Iterable[bytes]:
    """Whole header lines, one per step: http.client reads up to 100 of them."""
    lines = (f"X-Header-{n}: value\r\n".encode() for n in itertools.count())
    return itertools.chain([OK_HEAD], lines)


def informational() -> Iterable[bytes]:
    """'100 Continue' answers for ever: http.client skips each and reads the next."""
    return itertools.repeat(b"HTTP/1.1 100 Continue\r\n\r\n")


def chunk_size_line() -> Iterable[bytes]:
    """A chunked body whose first chunk-size line never ends."""
    head = OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n"
    return itertools.chain([head], each_byte(b"1"), itertools.repeat(b"0"))


def chunk_extension() -> Iterable[bytes]:
    """A chunk-size line with a chunk extension trickled a byte at a time."""
    head = OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n"
    return itertools.chain([head, b"5;"], itertools.repeat(b"x"))


def tiny_chunks() -> Iterable[bytes]:
    """A body of one-byte chunks: each chunk's framing costs a step."""
    head = OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n"
    return itertools.chain([head, b"1\r\n{\r\n"], itertools.repeat(b"1\r\n \r\n"))


def trailers() -> Iterable[bytes]:
    """A complete chunked body followed by trailer lines that never end."""
    head = OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n"
    body = b'{"calls": []}'
    start = head + f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n"
    lines = (f"X-Trailer-{n}: value\r\n".encode() for n in itertools.count())
    return itertools.chain([start], lines)


def body() -> Iterable[bytes]:
    """Headers at once, then a long body a byte at a time."""
    head = OK_HEAD + b"Content-Length: 100000\r\n\r\n"
    return itertools.chain([head, b'{"calls": [], "pad": "'], itertools.repeat(b"x"))


def tls_handshake() -> Iterable[bytes]:
    """For https: the start of a 16 KB TLS handshake record, the rest a byte at a time."""
    return itertools.chain([b"\x16\x03\x03\x40\x00"], itertools.repeat(b"\x02"))


PHASES: dict[str, Script] = {
    "status line": status_line,
    "one header": one_header,
    "many headers": many_headers,
    "100 Continue": informational,
    "chunk-size line": chunk_size_line,
    "chunk extension": chunk_extension,
    "tiny chunks": tiny_chunks,
    "trailers": trailers,
    "body": body,
}


class TrickleServer:
    """Answers every connection with `script`, a step every GAP seconds; counts them."""

    def __init__(self, script: Script, *, scheme: str = "http", gap: float = GAP) -> None:
        self.script = script
        self.gap = gap
        self.connections = 0
        self._stopped = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        port = self._listener.getsockname()[1]
        self.url = f"{scheme}://127.0.0.1:{port}/api/v1"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            conn.settimeout(MAX_SECONDS)
            conn.recv(65536)  # the request (or a TLS ClientHello): small, in one piece
            until = time.monotonic() + MAX_SECONDS
            for step in self.script():
                if self._stopped.is_set() or time.monotonic() > until:
                    return
                conn.sendall(step)
                time.sleep(self.gap)

    def stop(self) -> None:
        self._stopped.set()
        self._listener.close()


class FullBacklog:
    """A listening socket that never accepts, its backlog filled: a connect waits for ever."""

    def __init__(self) -> None:
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(0)
        port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/api/v1"
        self._held = []
        for _ in range(4):
            sock = socket.socket()
            sock.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                sock.connect(("127.0.0.1", port))
            self._held.append(sock)
        time.sleep(0.1)  # let the kernel settle the held connections into the queue

    def stop(self) -> None:
        for sock in self._held:
            sock.close()
        self._listener.close()
