"""/healthz and /readyz: no login, never cached, no secrets; readyz checks database and cache
and reports Phone.inc's last answer without asking Phone.inc."""

from __future__ import annotations

import socket
import time

import pytest
from django.db import OperationalError, connection

from tests.conftest import ACME_KEY


def assert_never_cached(response) -> None:
    cache_control = response["Cache-Control"]
    assert "no-store" in cache_control and "no-cache" in cache_control


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_it_answers_healthz_without_login_database_or_cache(client, django_assert_num_queries):
    # No `db` fixture: pytest-django fails the test if the view (or a middleware) queries.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")
    assert_never_cached(response)


def test_it_refuses_other_methods_on_healthz(client):
    assert client.post("/healthz").status_code == 405


def test_it_answers_health_checks_over_plain_http_when_https_is_enforced(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301  # everything else goes to https


def test_it_is_ready_when_database_and_cache_answer(client, db):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert_never_cached(response)
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "cache": "ok"},
        "phoneinc": None,  # nothing asked of Phone.inc yet
        "history": "ok",  # no company keeps a history, so none is behind
    }


def test_it_reports_phoneincs_last_answer_without_asking_it(alice_client, simulator, client):
    assert alice_client.get("/calls/").status_code == 200
    simulator.reset_stats()
    alice_client.logout()
    response = client.get("/readyz")
    assert response.status_code == 200
    phoneinc = response.json()["phoneinc"]
    assert phoneinc["last_status"] == "200"
    assert phoneinc["answering"] is True
    assert phoneinc["seconds_ago"] <= 5
    assert isinstance(phoneinc["ms"], int)
    assert simulator.request_count() == 0  # the probe itself never calls Phone.inc


def test_it_stays_ready_when_phoneinc_fails_but_says_so(alice_client, simulator, client):
    simulator.set_fault(status=500)
    assert alice_client.get("/calls/").status_code == 503
    response = client.get("/readyz")
    assert response.status_code == 200  # a failing Phone.inc is not phonedash's to fix
    phoneinc = response.json()["phoneinc"]
    assert phoneinc["last_status"] == "500"
    assert phoneinc["answering"] is False


def test_it_reports_a_timeout_by_its_kind(alice_client, simulator, settings, client):
    settings.PHONEDASH_UPSTREAM_TIMEOUT = 0.5
    settings.PHONEDASH_UPSTREAM_BUDGET = 1.0
    simulator.set_fault(delay=2)
    assert alice_client.get("/calls/").status_code == 503
    phoneinc = client.get("/readyz").json()["phoneinc"]
    assert phoneinc["last_status"] == "ReadTimeout"
    assert phoneinc["answering"] is False


def test_it_shows_no_secret_or_company_data(alice_client, acme, settings, client):
    alice_client.get("/calls/")
    body = client.get("/readyz").content.decode()
    for secret in (ACME_KEY, acme.name, acme.api_key_encrypted, settings.SECRET_KEY):
        assert secret not in body
    assert "127.0.0.1" not in body  # not even where Phone.inc is


def test_it_is_unavailable_when_the_database_is_down(client, db):
    def refuse(execute, sql, params, many, context):
        raise OperationalError("connection refused")

    with connection.execute_wrapper(refuse):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert_never_cached(response)
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"] == {"database": "unavailable (OperationalError)", "cache": "ok"}


def test_it_is_unavailable_when_the_cache_is_down(client, db, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    started = time.monotonic()
    response = client.get("/readyz")
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["cache"] == "unavailable (ConnectionError)"
    assert body["phoneinc"] is None


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_it_needs_no_login_even_with_a_broken_session_cookie(client, db, path, settings):
    client.cookies[settings.SESSION_COOKIE_NAME] = "not-a-session"
    assert client.get(path).status_code == 200
