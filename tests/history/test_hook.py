"""POST /hooks/phoneinc/<token>/: the webhook nudges a call, phonedash fetches it from Phone.inc
(the simulator, over HTTP) and stores what Phone.inc says, never what the body says."""

from __future__ import annotations

import io
import json
import logging
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from calls.history import hook, levels, tokens
from calls.models import Company, HookNudge, StoredCall, SyncState
from phonedash.requestlog import loggable_path
from tests.conftest import ACME_KEY, GLOBEX_KEY, make_company
from tests.history.conftest import sync_once


@pytest.fixture
def hooks():
    """A client as Phone.inc is one: no session, and CSRF checks on."""
    return Client(enforce_csrf_checks=True)


def url_of(company: Company) -> str:
    return reverse("calls:hook", args=[tokens.token_of(company)])


def post(client: Client, url: str, body: object, **extra) -> object:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(url, data, content_type="application/json", **extra)


def stored(company: Company) -> list[StoredCall]:
    return list(StoredCall.objects.filter(company=company))


def nudges_waiting(company: Company) -> int:
    return SyncState.objects.get(company=company).nudges


# -- 202: the call Phone.inc has, as it has it ---------------------------------------------------


def test_it_fetches_the_call_and_stores_what_phone_inc_says(hooks, acme_history, simulator):
    call = simulator.add_call(ACME_KEY, summary="Asked about the invoice.")
    response = post(
        hooks,
        url_of(acme_history),
        {"id": call["id"], "state": "ringing", "summary": "Forged", "from": "+14155550000"},
    )
    assert response.status_code == 202
    assert response.json() == {"status": "accepted"}
    assert response["Content-Type"] == "application/json"
    [row] = stored(acme_history)
    assert (row.call_id, row.state, row.summary) == (call["id"], "ended", call["summary"])
    assert row.from_number == call["from"]
    [nudge] = HookNudge.objects.filter(company=acme_history)
    assert (nudge.call_id, nudge.fetched) == (call["id"], True)
    assert nudges_waiting(acme_history) == 0
    assert simulator.request_count(f"/api/v1/calls/{call['id']}") == 1


@pytest.mark.parametrize(
    "body",
    [
        lambda id_: {"call_id": id_},
        lambda id_: {"data": {"id": id_}},
        lambda id_: {"id": "evt_not_a_call", "data": {"id": id_, "object": "call"}},
        lambda id_: {"id": id_, "data": {"object": "call"}},
    ],
)
def test_it_finds_the_id_as_call_id_or_data_id(hooks, acme_history, simulator, body):
    call = simulator.add_call(ACME_KEY)
    assert post(hooks, url_of(acme_history), body(call["id"])).status_code == 202
    assert [row.call_id for row in stored(acme_history)] == [call["id"]]


def test_it_keeps_only_what_the_level_keeps(hooks, globex_history, simulator):
    call = simulator.add_call(GLOBEX_KEY, summary="Kept? No: Globex keeps calls only.")
    assert post(hooks, url_of(globex_history), {"id": call["id"]}).status_code == 202
    [row] = stored(globex_history)
    assert row.summary is None


def test_it_accepts_a_call_phone_inc_does_not_have_and_stores_nothing(
    hooks, acme_history, simulator
):
    response = post(hooks, url_of(acme_history), {"id": "no-such-call"})
    assert (response.status_code, response.json()) == (202, {"status": "accepted"})
    assert stored(acme_history) == []
    [nudge] = HookNudge.objects.filter(company=acme_history)
    assert nudge.fetched  # nothing left for the next pass to ask
    assert nudges_waiting(acme_history) == 0


def test_it_gives_a_company_without_its_place_in_the_sync_one(hooks, acme_history, simulator):
    SyncState.objects.filter(company=acme_history).delete()
    call = simulator.add_call(ACME_KEY)
    assert post(hooks, url_of(acme_history), {"id": call["id"]}).status_code == 202
    assert SyncState.objects.filter(company=acme_history).exists()
    assert len(stored(acme_history)) == 1


def test_it_stores_nothing_once_history_was_turned_off_meanwhile(
    hooks, acme_history, simulator, monkeypatch
):
    call = simulator.add_call(ACME_KEY)
    client_for = hook.client_for

    def turning_off_while_fetching(company, **kwargs):
        client = client_for(company, **kwargs)
        get_call = client.get_call

        def fetch(call_id):
            answer = get_call(call_id)
            admin_view = Company.objects.get(pk=company.pk)
            admin_view.history = Company.OFF
            admin_view.save()
            levels.apply_level(admin_view, Company.TRANSCRIPTS)
            return answer

        client.get_call = fetch
        return client

    monkeypatch.setattr(hook, "client_for", turning_off_while_fetching)
    assert post(hooks, url_of(acme_history), {"id": call["id"]}).status_code == 202
    assert stored(acme_history) == []
    assert not SyncState.objects.filter(company=acme_history).exists()


def test_it_needs_no_session_and_no_csrf_token(hooks, acme_history, simulator):
    call = simulator.add_call(ACME_KEY)
    response = post(hooks, url_of(acme_history), {"id": call["id"]})
    assert response.status_code == 202
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies
    assert "Set-Cookie" not in response.headers


# -- Phone.inc failing: the next pass fetches it ----------------------------------------------


def test_it_leaves_the_call_for_the_next_pass_when_phone_inc_is_down(
    hooks, acme_history, simulator
):
    call = simulator.add_call(ACME_KEY)
    simulator.set_fault(status=503)
    response = post(hooks, url_of(acme_history), {"id": call["id"]})
    assert (response.status_code, response.json()) == (202, {"status": "accepted"})
    assert stored(acme_history) == []
    [nudge] = HookNudge.objects.filter(company=acme_history)
    assert (nudge.call_id, nudge.fetched) == (call["id"], False)
    assert nudges_waiting(acme_history) == 1

    simulator.clear_faults()
    sync_once(acme_history)
    assert call["id"] in {row.call_id for row in stored(acme_history)}
    assert HookNudge.objects.get(pk=nudge.pk).fetched


def test_it_answers_within_its_two_seconds_when_phone_inc_is_slow(hooks, acme_history, simulator):
    call = simulator.add_call(ACME_KEY)
    simulator.delay = 3
    started = time.monotonic()
    response = post(hooks, url_of(acme_history), {"id": call["id"]})
    assert response.status_code == 202
    assert time.monotonic() - started < hook.FETCH_SECONDS + 0.5
    assert stored(acme_history) == []
    assert nudges_waiting(acme_history) == 1


# -- 404: unknown token, history off ----------------------------------------------------------


def test_it_answers_an_unknown_token_and_history_off_alike(hooks, acme_history, simulator, db):
    off = make_company("Initech", ACME_KEY)  # history off, with a token of its own
    off_url = url_of(off)
    unknown_url = reverse("calls:hook", args=["x" * 43])
    answers = []
    for url in (unknown_url, off_url):
        with CaptureQueriesContext(connection) as queries:
            response = post(hooks, url, {"id": "abc"})
        answers.append((response.status_code, response.content, len(queries)))
    assert answers[0] == answers[1]  # the same answer, after the same queries
    assert answers[0][:2] == (404, b'{"status": "not_found"}')
    assert HookNudge.objects.count() == 0
    assert simulator.request_count() == 0


def test_it_stops_taking_nudges_once_history_is_off(hooks, acme_history, simulator):
    url = url_of(acme_history)
    acme_history.history = Company.OFF
    acme_history.save()
    response = post(hooks, url, {"id": simulator.add_call(ACME_KEY)["id"]})
    assert (response.status_code, response.json()) == (404, {"status": "not_found"})
    assert stored(acme_history) == []


def test_it_refuses_a_replaced_token(hooks, acme_history, simulator):
    old_url = url_of(acme_history)
    tokens.replace(acme_history)
    call = simulator.add_call(ACME_KEY)
    assert post(hooks, old_url, {"id": call["id"]}).status_code == 404
    assert post(hooks, url_of(acme_history), {"id": call["id"]}).status_code == 202


# -- 400, 405, 413: nothing written, nothing asked ------------------------------------------


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"not json", hook.NOT_JSON),
        (b"", hook.NOT_JSON),
        (b"\xff\xfe{", hook.NOT_JSON),
        (b"[" * 5000 + b"]" * 5000, hook.NOT_JSON),
        (b'["abc"]', hook.NOT_JSON),
        (b'"abc"', hook.NOT_JSON),
        (b"{}", hook.NO_CALL_ID),
        (b'{"data": {"object": "call"}, "event": "call.ended"}', hook.NO_CALL_ID),
        (b'{"id": "../../calls"}', hook.BAD_CALL_ID.format(key="id")),
        (b'{"id": "a b"}', hook.BAD_CALL_ID.format(key="id")),
        (b'{"id": ""}', hook.BAD_CALL_ID.format(key="id")),
        (b'{"id": 12345}', hook.BAD_CALL_ID.format(key="id")),
        (b'{"id": "' + b"a" * 65 + b'"}', hook.BAD_CALL_ID.format(key="id")),
        (b'{"call_id": ["abc"]}', hook.BAD_CALL_ID.format(key="call_id")),
        (b'{"data": {"id": "x?y"}}', hook.BAD_CALL_ID.format(key="data.id")),
    ],
)
def test_it_refuses_a_body_that_names_no_valid_call(hooks, acme_history, simulator, body, error):
    response = post(hooks, url_of(acme_history), body)
    assert response.status_code == 400
    assert response.json() == {"status": "bad_request", "error": error}
    assert HookNudge.objects.count() == 0
    assert simulator.request_count() == 0


def test_it_says_plainly_what_a_call_id_is():
    assert hook.BAD_CALL_ID.format(key="id") == (
        '"id" is not a Phone.inc call id: 1 to 64 letters, digits, hyphens or underscores, '
        "beginning with a letter or a digit."
    )


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete", "head", "options"])
def test_it_takes_only_post(hooks, acme_history, simulator, method):
    response = getattr(hooks, method)(url_of(acme_history))
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    if method != "head":
        assert response.json() == {"status": "method_not_allowed"}
    assert HookNudge.objects.count() == 0


def test_it_takes_a_body_of_exactly_the_limit(hooks, acme_history, simulator):
    call = simulator.add_call(ACME_KEY)
    body = json.dumps({"id": call["id"]}).encode()
    body += b" " * (hook.MAX_BODY_BYTES - len(body))
    assert len(body) == 16_384
    assert post(hooks, url_of(acme_history), body).status_code == 202


def test_it_refuses_a_body_over_the_limit(hooks, acme_history, simulator):
    body = json.dumps({"id": "abc", "pad": "x" * hook.MAX_BODY_BYTES}).encode()
    response = post(hooks, url_of(acme_history), body)
    assert (response.status_code, response.json()) == (413, {"status": "too_large"})
    assert HookNudge.objects.count() == 0
    assert simulator.request_count() == 0


def test_it_refuses_a_declared_length_over_the_limit_without_reading(hooks, acme_history):
    stream = io.BytesIO(b'{"id": "abc"}')
    response = hooks.generic(
        "POST",
        url_of(acme_history),
        **{"CONTENT_LENGTH": "100000000", "wsgi.input": stream},
    )
    assert response.status_code == 413
    assert stream.tell() == 0


def chunked(client: Client, url: str, stream: io.BytesIO) -> object:
    """A body without a Content-Length, its end known to the server (gunicorn, chunked)."""
    return client.generic(
        "POST",
        url,
        headers={"Transfer-Encoding": "chunked", "Content-Type": "application/json"},
        **{"wsgi.input": stream, "wsgi.input_terminated": True},
    )


def test_it_reads_a_chunked_body(hooks, acme_history, simulator):
    call = simulator.add_call(ACME_KEY)
    stream = io.BytesIO(json.dumps({"call_id": call["id"]}).encode())
    assert chunked(hooks, url_of(acme_history), stream).status_code == 202
    assert len(stored(acme_history)) == 1


def test_it_stops_reading_a_chunked_body_past_the_limit(hooks, acme_history, simulator):
    stream = io.BytesIO(b'{"id": "abc", "pad": "' + b"x" * 1_000_000 + b'"}')
    response = chunked(hooks, url_of(acme_history), stream)
    assert (response.status_code, response.json()) == (413, {"status": "too_large"})
    assert stream.tell() == hook.MAX_BODY_BYTES + 1


# -- 429: 600 accepted nudges in any 60 s, per company ------------------------------------


def nudged(company: Company, count: int, ago: float) -> None:
    """`count` nudges accepted `ago` seconds back (as other workers and hosts would count)."""
    at = timezone.now() - timedelta(seconds=ago)
    HookNudge.objects.bulk_create(
        HookNudge(company=company, call_id="abc", at=at, fetched=True) for _ in range(count)
    )


def test_it_limits_a_company_to_600_nudges_a_minute(hooks, acme_history, globex_history, simulator):
    nudged(acme_history, 1, ago=50)
    nudged(acme_history, hook.NUDGES_PER_WINDOW - 2, ago=20)
    url = url_of(acme_history)
    assert post(hooks, url, {"id": "abc"}).status_code == 202  # the 600th
    asked = simulator.request_count()

    response = post(hooks, url, {"id": "abc"})
    assert response.status_code == 429
    assert response.json() == {"status": "rate_limited", "retry_after": 10}
    assert response["Retry-After"] == "10"  # when the one from 50 s back leaves the window
    assert HookNudge.objects.filter(company=acme_history).count() == hook.NUDGES_PER_WINDOW
    assert simulator.request_count() == asked

    call = simulator.add_call(ACME_KEY)  # another company is not slowed by Acme's nudges
    other = simulator.add_call(GLOBEX_KEY)
    assert post(hooks, url_of(globex_history), {"id": other["id"]}).status_code == 202
    assert post(hooks, url, {"id": call["id"]}).status_code == 429


def test_it_counts_only_the_last_minute(hooks, acme_history, simulator):
    nudged(acme_history, hook.NUDGES_PER_WINDOW, ago=61)
    nudged(acme_history, hook.NUDGES_PER_WINDOW - 1, ago=1)
    url = url_of(acme_history)
    assert post(hooks, url, {"id": "abc"}).status_code == 202
    response = post(hooks, url, {"id": "abc"})
    assert response.status_code == 429
    assert response["Retry-After"] == "59"


def test_it_counts_refused_bodies_not_at_all(hooks, acme_history, simulator):
    nudged(acme_history, hook.NUDGES_PER_WINDOW - 1, ago=1)
    url = url_of(acme_history)
    for _ in range(3):
        assert post(hooks, url, b"nope").status_code == 400
    assert post(hooks, url, {"id": "abc"}).status_code == 202


def test_it_counts_each_accepted_nudge_as_it_answers(hooks, acme_history, simulator, monkeypatch):
    monkeypatch.setattr(hook, "NUDGES_PER_WINDOW", 3)
    url = url_of(acme_history)
    call = simulator.add_call(ACME_KEY)
    statuses = [post(hooks, url, {"id": call["id"]}).status_code for _ in range(4)]
    assert statuses == [202, 202, 202, 429]
    assert post(hooks, url, {"id": call["id"]})["Retry-After"] == "60"
    assert HookNudge.objects.filter(company=acme_history).count() == 3


# -- the logs -----------------------------------------------------------------------------


def test_it_keeps_the_token_out_of_every_log_line(hooks, acme_history, simulator, caplog):
    caplog.set_level(logging.DEBUG)
    token = tokens.token_of(acme_history)
    call = simulator.add_call(ACME_KEY)
    url = url_of(acme_history)
    post(hooks, url, {"id": call["id"]})
    post(hooks, url, b"nope")
    hooks.get(url)
    simulator.set_fault(status=503)
    post(hooks, url, {"id": call["id"]})
    acme_history.history = Company.OFF
    acme_history.save()
    post(hooks, url, {"id": call["id"]})
    hooks.post(url + "extra/", {})  # no such route: Django's 404
    lines = [record for record in caplog.records if record.name == "phonedash.request"]
    assert [line.status for line in lines] == [202, 400, 405, 202, 404, 404]
    assert {line.path for line in lines} == {"/hooks/phoneinc/…/", "/hooks/phoneinc/…/…/"}
    assert token not in caplog.text
    for record in caplog.records:
        assert token not in json.dumps(record.__dict__, default=str)


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/hooks/phoneinc/s3cr3t-token_value/", "/hooks/phoneinc/…/"),
        ("/hooks/phoneinc/s3cr3t/more/", "/hooks/phoneinc/…/…/"),
        ("/hooks/phoneinc/", "/hooks/phoneinc/"),
        ("/hooks/phoneinc", "/hooks/phoneinc"),
        ("/hooks/s3cr3tTokenWhereTheSenderGoes_0123456789/", "/hooks/…/"),
        ("/HOOKS/phoneinc/s3cr3t/", "/HOOKS/phoneinc/…/"),
        ("//hooks/phoneinc/s3cr3t", "//hooks/phoneinc/…"),
        ("/hooks/phoneinc/s3cr3t\n/", "/hooks/phoneinc/…/"),
        ("/calls/hooks/", "/calls/hooks/"),
    ],
)
def test_it_masks_whatever_follows_the_sender_in_a_hook_path(path, logged):
    assert loggable_path(path) == logged
