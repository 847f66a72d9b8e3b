"""The sockets under the Phone.inc client: every wait on Phone.inc ends at one deadline.

requests and urllib3 bound each socket operation (a connect, one read), never their sum: a
server that sends its status line, its headers or the size lines of a chunked body a byte at a
time, each byte inside the read timeout, holds a request for as long as it likes. Here every
phase of an attempt waits at most until the attempt's deadline (`attempt_deadline`):

- connecting: the TCP connect is bounded by the connect timeout, which the client caps at the
  time left; before the TLS handshake the socket's timeout is cut to the time left as well, and
  CPython's handshake counts its timeout for the whole handshake, not per read;
- everything after: once connected, a connection's socket is a `DeadlineSocket`, which sets the
  socket's timeout to the smaller of urllib3's timeout and the time left before each read or
  write, and raises TimeoutError once the deadline has passed. http.client reads the status
  line, the headers and the chunked framing through it, and urllib3 the body, so a trickle is
  cut off at the deadline in every phase, as a read timeout (requests.ReadTimeout).

Synchronous on purpose: no timer thread closes a socket from outside, so a connection that is
back in the pool, or serving another thread's request, is never touched. Name resolution
(getaddrinfo) cannot be bounded this way; Phone.inc's name is one the resolver keeps.
"""

from __future__ import annotations

import contextlib
import contextvars
import io
import socket
import time
from collections.abc import Iterator
from http.cookiejar import DefaultCookiePolicy
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

BODY_READ_BYTES = 64 * 1024  # at most this much per read; a read returns whatever has arrived

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "phonedash_attempt_deadline", default=None
)


@contextlib.contextmanager
def attempt_deadline(seconds_left: float) -> Iterator[None]:
    """Every socket wait inside the block ends `seconds_left` from now (time.monotonic)."""
    token = _deadline.set(time.monotonic() + seconds_left)
    try:
        yield
    finally:
        _deadline.reset(token)


def _time_left() -> float | None:
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()


class DeadlineSocket:
    """A connected socket (plain or TLS) whose every wait ends at the attempt's deadline.

    Whatever else is asked of it goes to the socket itself; `timeout` is what urllib3 set
    last (its connect or read timeout), the longest any single wait may take.
    """

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._timeout = sock.gettimeout()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)

    def __repr__(self) -> str:
        return f"<DeadlineSocket {self._sock!r}>"

    def settimeout(self, timeout: float | None) -> None:
        self._timeout = timeout
        self._sock.settimeout(timeout)

    def gettimeout(self) -> float | None:
        return self._timeout

    def _bound(self) -> None:
        left = _time_left()
        if left is None:
            self._sock.settimeout(self._timeout)
            return
        if left <= 0:
            raise TimeoutError("the request's deadline has passed")
        self._sock.settimeout(left if self._timeout is None else min(self._timeout, left))

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        self._bound()
        return self._sock.recv(bufsize, flags)

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        self._bound()
        return self._sock.recv_into(buffer, nbytes, flags)

    def send(self, data: Any, flags: int = 0) -> int:
        self._bound()
        return self._sock.send(data, flags)

    def sendall(self, data: Any, flags: int = 0) -> None:
        self._bound()  # sendall's timeout bounds the whole call, not each send
        self._sock.sendall(data, flags)

    def makefile(self, mode: str = "r", buffering: int | None = None, **kwargs: Any):
        """The buffered reader http.client reads a response through, over this socket."""
        if mode != "rb" or kwargs:
            raise ValueError("a DeadlineSocket is only read as a binary stream")
        raw = socket.SocketIO(self, "rb")  # type: ignore[arg-type]
        self._sock._io_refs += 1  # type: ignore[attr-defined]  # as socket.makefile counts
        size = io.DEFAULT_BUFFER_SIZE if buffering is None or buffering < 0 else buffering
        return io.BufferedReader(raw, size) if size else raw

    def _decref_socketios(self) -> None:
        self._sock._decref_socketios()  # type: ignore[attr-defined]


class _DeadlineHTTPConnection(HTTPConnection):
    def connect(self) -> None:
        super().connect()
        self.sock = DeadlineSocket(self.sock)  # type: ignore[assignment]


class _DeadlineHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        left = _time_left()
        if left is not None:
            if left <= 0:
                sock.close()
                raise TimeoutError("the request's deadline passed while connecting")
            current = sock.gettimeout()
            sock.settimeout(left if current is None else min(current, left))
        return sock

    def connect(self) -> None:
        super().connect()
        self.sock = DeadlineSocket(self.sock)  # type: ignore[assignment]


class _DeadlineHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _DeadlineHTTPConnection


class _DeadlineHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _DeadlineHTTPSConnection


_POOLS = {"http": _DeadlineHTTPConnectionPool, "https": _DeadlineHTTPSConnectionPool}


class DeadlineAdapter(HTTPAdapter):
    """requests' adapter, with connections whose sockets honour the attempt's deadline."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any):
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = _POOLS
        return manager


def make_session() -> requests.Session:
    """The shared session: pooled connections, no cookies, no urllib3 retries."""
    session = requests.Session()
    # One session serves every company: a cookie set for one must never travel with another.
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    adapter = DeadlineAdapter(pool_connections=4, pool_maxsize=32, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def read_some(response: requests.Response, wait: float) -> bytes:
    """What has arrived of the body (decompressed), waiting at most `wait` seconds; b"" at its
    end. Errors are raised as requests raises them while iterating a body."""
    raw = response.raw
    if not isinstance(raw, urllib3.BaseHTTPResponse):  # a file-like stand-in, in tests
        return raw.read1(BODY_READ_BYTES)
    sock = getattr(raw.connection, "sock", None)
    if sock is not None:
        sock.settimeout(wait)  # urllib3 sets the read timeout afresh for each request
    try:
        return raw.read1(BODY_READ_BYTES, decode_content=True)
    except urllib3.exceptions.ReadTimeoutError as exc:
        raise requests.ReadTimeout(exc) from None
    except urllib3.exceptions.ProtocolError as exc:
        raise requests.exceptions.ChunkedEncodingError(exc) from None
    except urllib3.exceptions.DecodeError as exc:
        raise requests.exceptions.ContentDecodingError(exc) from None
    except urllib3.exceptions.SSLError as exc:
        raise requests.exceptions.SSLError(exc) from None
