"""The one deadline bounds every phase of a Phone.inc request, over real sockets.

A raw-socket server (tests.trickle_server) answers slowly in one phase at a time: the connect,
the TLS handshake, the status line, the headers, 100 Continue answers, the chunk-size lines,
chunk extensions, one-byte chunks, trailers, the body. Every pause is far inside the read
timeout, so only the deadline over the whole request can stop the client, and it must, within
the budget and a small margin; a page shows "took too long" within its budget too.
"""

from __future__ import annotations

import time

import pytest

from calls import phoneinc
from calls.phoneinc import PhoneIncClient, Unavailable
from tests.conftest import ACME_KEY
from tests.trickle_server import PHASES, FullBacklog, TrickleServer, tls_handshake

BUDGET = 1.5  # seconds, the client's total
READ_TIMEOUT = 1.0  # per read: well above the server's pause between steps
MARGIN = 1.0  # for a loaded machine; a trickle unbounded by the deadline takes 30 s


@pytest.fixture
def trickle():
    started = []

    def start(script, **kwargs) -> TrickleServer:
        started.append(TrickleServer(script, **kwargs))
        return started[-1]

    yield start
    for server in started:
        server.stop()


def timed_list(url: str) -> tuple[object, float]:
    client = PhoneIncClient(ACME_KEY, base_url=url, timeout=READ_TIMEOUT, total_timeout=BUDGET)
    started = time.monotonic()
    try:
        result = client.list_calls()
    except Exception as error:
        result = error
    return result, time.monotonic() - started


@pytest.mark.parametrize("phase", list(PHASES))
def test_it_gives_up_at_the_deadline_in_every_phase(trickle, phase):
    server = trickle(PHASES[phase])
    error, elapsed = timed_list(server.url)

    assert isinstance(error, Unavailable), error
    assert "took too long" in error.message
    assert elapsed < BUDGET + MARGIN, f"{phase}: {elapsed:.2f} s"
    assert server.connections >= 1


def test_it_gives_up_on_a_tls_handshake_trickled_a_byte_at_a_time(trickle):
    server = trickle(tls_handshake, scheme="https")
    error, elapsed = timed_list(server.url)

    assert isinstance(error, Unavailable), error
    assert "took too long" in error.message
    assert elapsed < BUDGET + MARGIN, f"{elapsed:.2f} s"


def test_it_gives_up_on_a_connect_that_never_completes():
    backlog = FullBacklog()
    try:
        with phoneinc.request_deadline(1.0):  # under the 3.05 s connect timeout
            error, elapsed = timed_list(backlog.url)
    finally:
        backlog.stop()

    assert isinstance(error, Unavailable), error
    assert "took too long" in error.message
    assert elapsed < 1.0 + MARGIN, f"{elapsed:.2f} s"


def test_it_shares_the_page_deadline_across_phases_and_retries(trickle):
    """Headers trickled to one attempt, then the next: the page's deadline covers them all."""
    server = trickle(PHASES["one header"])
    client = PhoneIncClient(ACME_KEY, base_url=server.url, timeout=0.4, total_timeout=10)
    started = time.monotonic()
    with phoneinc.request_deadline(BUDGET), pytest.raises(Unavailable):
        client.list_calls()
    assert time.monotonic() - started < BUDGET + MARGIN


def test_it_still_reads_a_normal_answer_and_reuses_its_connection(trickle):
    """The deadline-bound sockets change nothing for an answer that comes in time."""

    def quick():
        body = b'{"calls": []}'
        return [
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        ]

    server = trickle(quick, gap=0)
    client = PhoneIncClient(ACME_KEY, base_url=server.url)
    assert client.list_calls() == []
    assert client.list_calls() == []
    assert server.connections == 2  # the server closes after each answer: a fresh connection


@pytest.mark.parametrize("phase", ["status line", "many headers", "chunk-size line"])
def test_it_answers_the_page_within_its_budget(alice_client, settings, trickle, phase):
    server = trickle(PHASES[phase])
    settings.PHONE_INC_API_URL = server.url
    settings.PHONEDASH_UPSTREAM_BUDGET = BUDGET
    settings.PHONEDASH_UPSTREAM_TIMEOUT = READ_TIMEOUT

    started = time.monotonic()
    response = alice_client.get("/calls/")
    elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert "took too long" in response.content.decode()
    assert elapsed < BUDGET + MARGIN, f"{phase}: {elapsed:.2f} s"
