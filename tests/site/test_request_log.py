"""The request log: one line per request with ids, status, timing, Phone.inc's share and the
cache's answer; a request id echoed to the client; never a phone number, name or key."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest

from calls import phoneinc
from calls.sources import window as services
from phonedash.logformat import JsonFormatter, RequestIdFilter
from phonedash.redaction import RedactSecrets
from tests.conftest import ACME_KEY


def request_lines(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "phonedash.request"]


@pytest.fixture
def request_log(caplog):
    caplog.set_level(logging.DEBUG, logger="phonedash")
    return caplog


def test_it_logs_one_line_per_request_with_who_what_and_how_long(
    alice_client, alice, acme, request_log
):
    response = alice_client.get("/calls/", {"phone_number": "(408) 555-0199", "limit": "5"})
    assert response.status_code == 200
    [line] = request_lines(request_log)
    assert line.levelno == logging.INFO
    assert line.method == "GET"
    assert line.path == "/calls/"
    assert line.params == "limit,phone_number"
    assert line.status == 200
    assert line.user_id == alice.pk
    assert line.company_id == acme.pk
    assert line.upstream_requests == 1
    assert 0 <= line.upstream_ms <= line.duration_ms
    assert line.cache == "miss"
    assert line.request_id == response["X-Request-ID"]
    message = line.getMessage()
    assert message.startswith("GET /calls/ [limit,phone_number] -> 200 in ")
    assert f"user={alice.pk} company={acme.pk} upstream=1/" in message


def test_it_says_when_the_cache_answered(alice_client, request_log, simulator):
    alice_client.get("/calls/")
    alice_client.get("/calls/")
    first, second = request_lines(request_log)
    assert (first.cache, first.upstream_requests) == ("miss", 1)
    assert (second.cache, second.upstream_requests, second.upstream_ms) == ("hit", 0, 0)


def test_it_says_when_a_stale_answer_was_shown(alice_client, request_log, simulator, settings):
    settings.PHONEDASH_CACHE_SECONDS = 0  # every answer is old at once, but kept to show
    alice_client.get("/calls/")
    simulator.set_fault(status=503)
    assert alice_client.get("/calls/").status_code == 200
    stale = request_lines(request_log)[-1]
    assert stale.cache == "miss+stale"
    assert stale.upstream_requests == 3  # the first try and two retries of a 503


def test_it_never_logs_phone_numbers_names_or_keys(alice_client, request_log, acme, alice):
    alice_client.get("/calls/", {"phone_number": "+14085550199"})
    [line] = request_lines(request_log)
    text = line.getMessage() + json.dumps(line.__dict__, default=str)
    for private in ("4085550199", acme.name, alice.username, ACME_KEY):
        assert private not in text
    assert ACME_KEY not in request_log.text


def test_it_generates_a_request_id_and_echoes_it(client, db, request_log):
    response = client.get("/healthz")
    request_id = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert client.get("/healthz")["X-Request-ID"] != request_id
    [line, _] = request_lines(request_log)
    assert line.request_id == request_id


def test_it_keeps_a_sane_incoming_request_id(client, db):
    response = client.get("/healthz", headers={"X-Request-ID": "edge-7f3a:01.2_b"})
    assert response["X-Request-ID"] == "edge-7f3a:01.2_b"


@pytest.mark.parametrize("incoming", ["with space", "new\nline", "x" * 129, "<script>", "", "é"])
def test_it_replaces_an_unreasonable_request_id(client, db, incoming):
    response = client.get("/healthz", headers={"X-Request-ID": incoming})
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_it_logs_anonymous_requests_without_ids(client, db, request_log):
    assert client.get("/calls/").status_code == 302
    [line] = request_lines(request_log)
    assert (line.user_id, line.company_id, line.status) == (None, None, 302)
    assert "user=- company=- upstream=0/0ms cache=-" in line.getMessage()


def test_it_escapes_odd_paths_and_hides_odd_parameter_names(client, db, request_log):
    client.get("/no%0Awhere/", {"+14085550199": "1", "ok": "2"})
    [line] = request_lines(request_log)
    assert line.path == "/no%0Awhere/"
    assert line.params == "ok,+1"
    assert "\n" not in line.getMessage()


def test_it_survives_a_query_with_too_many_fields(client, db, request_log, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    response = client.get("/calls/?" + "&".join(f"f{i}=1" for i in range(11)))
    assert response.status_code == 400
    [line] = request_lines(request_log)
    assert (line.params, line.status) == ("?", 400)


def test_it_logs_probes_quietly_and_server_errors_loudly(
    alice_client, simulator, request_log, client
):
    client.get("/healthz")
    simulator.set_fault(status=500)
    alice_client.get("/calls/")
    probe, failed = request_lines(request_log)
    assert probe.levelno == logging.DEBUG
    assert (failed.levelno, failed.status) == (logging.WARNING, 503)


def test_it_writes_json_lines_that_carry_the_request_id_on_upstream_lines(alice_client, acme):
    """The console handler's filters and formatter (PHONEDASH_LOG_FORMAT=json) on real lines."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecrets())
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("phonedash")
    logger.addHandler(handler)
    try:
        response = alice_client.get("/calls/", {"direction": "inbound"})
    finally:
        logger.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    upstream = next(line for line in lines if line["logger"] == "phonedash.upstream")
    request = next(line for line in lines if line["logger"] == "phonedash.request")
    assert upstream["request_id"] == request["request_id"] == response["X-Request-ID"]
    assert upstream["upstream_method"] == "GET"
    assert upstream["upstream_path"].endswith("/calls?direction=inbound&limit=10")
    assert upstream["upstream_outcome"] == "200"
    assert {
        key: request[key]
        for key in ("method", "path", "params", "status", "company_id", "upstream_requests")
    } == {
        "method": "GET",
        "path": "/calls/",
        "params": "direction",
        "status": 200,
        "company_id": acme.pk,
        "upstream_requests": 1,
    }
    assert isinstance(request["duration_ms"], int) and isinstance(request["upstream_ms"], int)
    assert request["cache"] == "miss"
    assert ACME_KEY not in stream.getvalue()


def test_it_gives_the_whole_request_one_phone_inc_deadline(alice_client, monkeypatch, settings):
    """Set once per request, so every call and wait for Phone.inc in it shares one budget."""
    seen = []

    def list_calls(company, filters, **kwargs):
        seen.append(phoneinc.request_time_left())
        raise phoneinc.Unavailable()

    monkeypatch.setattr(services, "list_calls", list_calls)
    assert alice_client.get("/calls/").status_code == 503
    [left] = seen
    assert settings.PHONEDASH_UPSTREAM_BUDGET - 1 < left <= settings.PHONEDASH_UPSTREAM_BUDGET
    assert phoneinc.request_time_left() is None  # and none once the request is over
