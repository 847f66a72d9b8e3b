"""A hung cache: Redis that accepts connections and never answers.

Pages go on from Phone.inc within their budget after one short socket timeout, the cache is then
left alone for a few seconds, and the page's message and the log name the cache, never Phone.inc.
/readyz says the cache is down; sign-in throttling, kept in the database, holds regardless.
"""

from __future__ import annotations

import logging
import socket
import threading
import time

import pytest
from django.test import Client

from tests.conftest import ACME_KEY, PASSWORD

LINE_NAME = "Hung cache hotline"
# However long a test takes, the hung server lets its connections go after this: code without
# socket timeouts then fails its test instead of hanging the suite.
HOLD_AT_MOST_SECONDS = 30


class HungServer:
    """Accepts every connection and never answers (a Redis stopped with SIGSTOP behaves so)."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.port = self._listener.getsockname()[1]
        self.accepted = 0
        self._held: list[socket.socket] = []
        self._stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()
        threading.Thread(target=self._let_go_eventually, daemon=True).start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            self.accepted += 1
            self._held.append(connection)

    def _let_go_eventually(self) -> None:
        if not self._stopped.wait(HOLD_AT_MOST_SECONDS):
            self.stop()

    def stop(self) -> None:
        self._stopped.set()
        self._listener.close()
        for connection in self._held:
            connection.close()


@pytest.fixture
def hung_server():
    server = HungServer()
    yield server
    server.stop()


def use_hung_cache(settings, server: HungServer) -> None:
    settings.CACHES = {  # as phonedash.settings builds it from REDIS_URL
        "default": {
            "BACKEND": "phonedash.redis_cache.RedisCache",
            "LOCATION": server.url,
            "KEY_PREFIX": "phonedash",
        }
    }


@pytest.fixture
def hung_cache(settings, hung_server):
    use_hung_cache(settings, hung_server)
    return hung_server


@pytest.fixture
def simulator(fresh_simulator):
    fresh_simulator.add_call(ACME_KEY, main_number_name=LINE_NAME)
    return fresh_simulator


def timed_get(client: Client, path: str):
    started = time.monotonic()
    response = client.get(path)
    return response, time.monotonic() - started


def test_it_answers_an_uncached_list_from_phone_inc_within_the_budget(
    hung_server, alice_client, simulator, settings, caplog
):
    alice_client.get("/calls/?limit=25")  # the page's first render, with a working cache
    use_hung_cache(settings, hung_server)
    with caplog.at_level(logging.INFO, logger="phonedash"):
        response, seconds = timed_get(alice_client, "/calls/")
    page = response.content.decode()
    assert response.status_code == 200
    assert LINE_NAME in page, "the list, from Phone.inc"
    assert "took too long" not in page
    assert seconds < settings.PHONEDASH_REDIS_TIMEOUT + 1.5, f"{seconds:.1f} s"
    assert simulator.request_count("/api/") == 2
    assert "cache unavailable (get): TimeoutError; skipping the cache for 5s" in caplog.messages
    line = [r.getMessage() for r in caplog.records if r.name == "phonedash.request"][-1]
    assert "GET /calls/ -> 200" in line and "cache=miss+unavailable" in line


def test_it_leaves_a_failed_cache_alone_for_a_few_seconds(
    hung_cache, alice_client, simulator, settings
):
    settings.PHONEDASH_REDIS_TIMEOUT = 1.0  # read by the backend the next request builds
    alice_client.get("/calls/")
    connections = hung_cache.accepted
    response, seconds = timed_get(alice_client, "/calls/?direction=inbound")
    assert response.status_code == 200
    assert seconds < 0.8, "no socket timeout waited out: the cache is skipped"
    assert hung_cache.accepted == connections
    assert simulator.request_count("/api/") == 2


def test_it_names_the_cache_when_it_took_the_pages_time(
    hung_cache, alice_client, simulator, settings
):
    settings.PHONEDASH_UPSTREAM_BUDGET = 0.8  # the first socket timeout leaves too little
    response = alice_client.get("/calls/")
    page = response.content.decode()
    assert response.status_code == 503
    assert "cache did not answer in time, so Phone.inc was not asked" in page
    assert "Phone.inc took too long" not in page
    assert simulator.request_count("/api/") == 0


def test_it_reports_a_hung_cache_as_down(hung_cache, client, db):
    response, seconds = timed_get(client, "/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "cache": "unavailable (TimeoutError)"}
    assert seconds < 2


def test_it_still_throttles_sign_ins(hung_cache, alice):
    def attempt(password: str):
        return Client(REMOTE_ADDR="198.51.100.7").post(
            "/accounts/login/", {"username": "alice", "password": password}
        )

    assert [attempt("wrong").status_code for _ in range(5)] == [200] * 5
    refused = attempt(PASSWORD)
    assert refused.status_code == 429
    assert "Too many failed sign-in attempts" in refused.content.decode()
