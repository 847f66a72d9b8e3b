"""API keys never appear in a page, a log line, an error, the cache or the database in clear."""

from __future__ import annotations

import io
import logging
import pickle
import re
import traceback
from html import unescape

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client

from calls import phoneinc
from calls.models import Company, Membership, encryption
from calls.sources import window as services
from phonedash import redaction
from phonedash.logformat import JsonFormatter
from phonedash.redaction import REDACTED, RedactSecrets, register_secret
from tests.conftest import ACME_KEY, PASSWORD, make_company

WRONG_KEY = "pk_wrong_0123456789abcdef0123456789"
UNREGISTERED = "pk_nobody_registered_this_one_998877"


def own_handlers(logger: logging.Logger) -> list[logging.Handler]:
    """The handlers LOGGING attached (pytest's capturing ones and NullHandlers aside)."""
    return [
        handler
        for handler in logger.handlers
        if not type(handler).__module__.startswith("_pytest")
        and not isinstance(handler, logging.NullHandler)
    ]


def all_loggers() -> list[logging.Logger]:
    return [logging.getLogger()] + [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]


def configured_handlers() -> list[logging.Handler]:
    return [handler for logger in all_loggers() for handler in own_handlers(logger)]


@pytest.fixture
def console():
    """What the configured console handler writes, everything logged at DEBUG and up."""
    (handler,) = [h for h in configured_handlers() if isinstance(h, logging.StreamHandler)]
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    levels = {name: logging.getLogger(name).level for name in ("", "phonedash", "urllib3")}
    for name in levels:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield buffer
    handler.setStream(previous)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def filtered_logger(formatter: logging.Formatter | None = None):
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.addFilter(RedactSecrets())
    text = logging.Formatter("%(levelname)s %(message)s %(path)s", defaults={"path": "-"})
    handler.setFormatter(formatter or text)
    logger = logging.getLogger("tests.secrets")
    logger.handlers, logger.propagate, logger.level = [handler], False, logging.DEBUG
    return logger, buffer


# --- The filter ---------------------------------------------------------------------------------


def test_it_hides_registered_keys_in_messages_args_and_tracebacks():
    register_secret(ACME_KEY)
    logger, out = filtered_logger()
    logger.info(f"key in the message {ACME_KEY}")
    logger.info("key in the args %s and %r", ACME_KEY, {"key": ACME_KEY})
    try:
        raise RuntimeError(f"upstream refused {ACME_KEY}")
    except RuntimeError:
        logger.exception("failed")
    logger.info("a stack", stack_info=True, extra={"path": f"/calls/?k={ACME_KEY}"})
    text = out.getvalue()
    assert ACME_KEY not in text
    assert text.count(REDACTED) == 5
    assert "RuntimeError: upstream refused [redacted]" in text


@pytest.mark.parametrize(
    "message",
    [
        f"X-Api-Key: {UNREGISTERED}",
        f"x-api-key={UNREGISTERED}",
        f"headers {{'X-Api-Key': '{UNREGISTERED}', 'Accept': 'application/json'}}",
        f'{{"X-API-KEY": "{UNREGISTERED}"}}',
    ],
)
def test_it_hides_anything_shaped_like_an_api_key_header(message):
    logger, out = filtered_logger()
    logger.warning(message)
    assert UNREGISTERED not in out.getvalue()
    assert REDACTED in out.getvalue()


def test_it_hides_keys_in_json_lines_and_their_fields():
    register_secret(ACME_KEY)
    logger, out = filtered_logger(JsonFormatter())
    try:
        raise ValueError(ACME_KEY)
    except ValueError:
        logger.error("boom %s", ACME_KEY, exc_info=True, extra={"path": f"/x/{ACME_KEY}"})
    line = out.getvalue()
    assert ACME_KEY not in line and line.count(REDACTED) == 3


@pytest.fixture
def no_secrets(monkeypatch):
    """The registry of secrets as a fresh process has it; the real one is put back after."""
    monkeypatch.setattr(redaction, "_secrets", set())
    monkeypatch.setattr(redaction, "_pattern", None)


def test_it_hides_each_of_a_thousand_registered_keys(no_secrets):
    keys = [f"pk_live_{number:04d}_{number * 7919 % 10007:05d}abcdef" for number in range(1000)]
    for key in keys:
        register_secret(key)
    register_secret("pk_live_0500")  # a key that is the start of another is hidden in full too
    logger, out = filtered_logger()
    logger.info("first %s last %s", keys[0], keys[-1], extra={"path": f"/x?k={keys[500]}"})
    try:
        raise RuntimeError(f"refused {keys[999]},{keys[123]}")
    except RuntimeError:
        logger.exception("failed for %s", "pk_live_0500 and pk_live_0500_x")
    text = out.getvalue()
    assert not [key for key in keys if key in text]
    assert "pk_live_0500" not in text and "[redacted]_x" in text
    assert text.count(REDACTED) == 7
    register_secret(UNREGISTERED)  # registered after the pattern was built
    assert redaction.redact(f"a {UNREGISTERED} b") == f"a {REDACTED} b"


def test_it_hides_keys_that_are_each_the_start_of_the_next(no_secrets):
    """A pattern too deep for re to compile falls back to trying each key."""
    keys = ["k" * length for length in range(6, 1500)]
    for key in keys:
        register_secret(key)
    assert redaction.redact("k" * 1499 + " kkkkkk kkkkk") == f"{REDACTED} {REDACTED} kkkkk"


def test_it_puts_the_filter_on_every_configured_handler():
    handlers = configured_handlers()
    assert handlers, "LOGGING attaches at least the console handler"
    for handler in handlers:
        assert any(isinstance(f, RedactSecrets) for f in handler.filters), handler
    for logger in all_loggers():
        if not logger.propagate:
            assert own_handlers(logger), (
                f"{logger.name} would go to Python's unfiltered last resort"
            )


# --- Through the running dashboard ---------------------------------------------------------------


@pytest.fixture
def wrong_key_client(db, simulator, django_user_model):
    company = make_company("Wrongkey Ltd", WRONG_KEY)
    user = django_user_model.objects.create_user("wendy", password=PASSWORD)
    Membership.objects.create(user=user, company=company)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def call_id(simulator):
    return simulator.add_call(ACME_KEY, state="ended", summary="Renewal")["id"]


def visit_everything(alice_client, wrong_key_client, simulator, call_id) -> list:
    responses = [
        alice_client.get("/calls/"),
        alice_client.get("/calls/?state=ended&limit=50"),
        alice_client.get(f"/calls/{call_id}/"),
        alice_client.get(f"/calls/{call_id}/transcript.txt"),
        alice_client.get(f"/calls/{call_id}/recording/"),
        alice_client.get("/calls/no-such-call/"),
        alice_client.get("/nowhere/"),
        wrong_key_client.get("/calls/"),
        wrong_key_client.get(f"/calls/{call_id}/"),
    ]
    simulator.set_fault(status=503, count=10)
    responses.append(alice_client.get("/calls/?direction=outbound"))
    simulator.clear_faults()
    simulator.set_fault(malformed="json", count=10)
    responses.append(alice_client.get("/calls/?direction=inbound"))
    simulator.clear_faults()
    simulator.set_fault(status=429, retry_after=120, count=1)
    responses.append(alice_client.get("/calls/?state=answered"))
    simulator.clear_faults()
    return responses


def assert_no_key(text: str | bytes, *keys: str) -> None:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    for key in keys:
        assert key not in text


def test_it_never_puts_a_key_in_a_page_or_a_header(
    alice_client, wrong_key_client, simulator, call_id, acme
):
    responses = visit_everything(alice_client, wrong_key_client, simulator, call_id)
    assert {r.status_code for r in responses} >= {200, 302, 404, 429, 502, 503}
    for response in responses:
        assert_no_key(response.content, ACME_KEY, WRONG_KEY, acme.api_key_encrypted)
        assert_no_key(repr(list(response.items())), ACME_KEY, WRONG_KEY)
        assert_no_key(str(response.cookies), ACME_KEY, WRONG_KEY)


def test_it_never_logs_a_key_even_at_debug(
    alice_client, wrong_key_client, simulator, call_id, console
):
    visit_everything(alice_client, wrong_key_client, simulator, call_id)
    output = console.getvalue()
    assert "phonedash.upstream" in output and "GET /api/v1/calls" in output
    assert "401" in output, "the refused key was logged about, without the key"
    assert_no_key(output, ACME_KEY, WRONG_KEY)


def test_it_redacts_a_key_in_an_unexpected_error(alice, acme, simulator, console, monkeypatch):
    def crash(company, filters, **kwargs):
        raise RuntimeError(f"bug while using {company.api_key}")

    monkeypatch.setattr(services, "list_calls", crash)
    client = Client(raise_request_exception=False)
    client.force_login(alice)
    response = client.get("/calls/")
    assert response.status_code == 500
    assert_no_key(response.content, ACME_KEY)
    output = console.getvalue()
    assert "RuntimeError: bug while using [redacted]" in output
    assert_no_key(output, ACME_KEY)


def test_it_never_caches_a_key(alice_client, wrong_key_client, simulator, call_id):
    visit_everything(alice_client, wrong_key_client, simulator, call_id)
    backend = type(caches["default"]).__name__
    if backend == "LocMemCache":
        stored = [(key.encode(), value) for key, value in caches["default"]._cache.items()]
    elif backend == "RedisCache":
        client = caches["default"]._cache.get_client()
        stored = [
            # A company's share of the cache is a sorted set of the keys it holds.
            (key, b" ".join(client.zrange(key, 0, -1)))
            if client.type(key) == b"zset"
            else (key, client.get(key))
            for key in client.keys("*")
        ]
    else:
        pytest.fail(f"no way to read the {backend} cache's contents")
    assert len(stored) >= 5
    for key, value in stored:
        assert_no_key(key + b" " + value, ACME_KEY, WRONG_KEY)


# --- The database, the admin, exceptions ---------------------------------------------------------


def test_it_stores_the_key_encrypted(acme):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM calls_company WHERE id = %s", [acme.pk])
        row = cursor.fetchone()
    assert_no_key(repr(row), ACME_KEY)
    (token,) = [value for value in row if isinstance(value, str) and value.startswith("gAAAA")]
    assert encryption.decrypt(token) == ACME_KEY


def test_it_never_shows_the_key_in_the_admin(admin_client, acme, alice):
    pages = [
        admin_client.get("/admin/calls/company/"),
        admin_client.get(f"/admin/calls/company/{acme.pk}/change/"),
        admin_client.get(f"/admin/calls/company/{acme.pk}/history/"),
        admin_client.get(f"/admin/auth/user/{alice.pk}/change/"),
    ]
    new_key = "pk_rotated_after_a_leak_5566778899"
    refused = admin_client.post(
        f"/admin/calls/company/{acme.pk}/change/",
        {"name": "Acme Corp", "api_key": new_key, "region": "XX", "timezone": "Mars/Base"},
    )
    assert refused.status_code == 200 and "errornote" in refused.content.decode()
    pages.append(refused)
    for page in pages:
        assert page.status_code == 200
        assert_no_key(page.content, ACME_KEY, acme.api_key_encrypted, new_key)
    field = re.search(r'<input[^>]*name="api_key"[^>]*>', pages[1].content.decode()).group(0)
    assert 'type="password"' in field and "value=" not in field
    acme.refresh_from_db()
    assert acme.api_key == ACME_KEY, "a refused form changed nothing"


def test_it_keeps_the_key_when_the_admin_leaves_the_field_empty(admin_client, acme):
    response = admin_client.post(
        f"/admin/calls/company/{acme.pk}/change/",
        {"name": "Acme Corp", "api_key": "", "region": "US", "timezone": "America/Chicago"},
    )
    assert response.status_code == 302
    acme.refresh_from_db()
    assert acme.api_key == ACME_KEY and acme.timezone == "America/Chicago"


def errors_from_phoneinc(simulator, acme) -> list[phoneinc.PhoneIncError]:
    wrong = Company(name="Wrong")
    wrong.set_api_key(WRONG_KEY)
    attempts = [
        (None, lambda: services.client_for(wrong).list_calls()),
        (None, lambda: services.client_for(acme).get_call("no-such-call")),
        ({"status": 503, "count": 10}, lambda: services.client_for(acme).list_calls()),
        ({"status": 429, "retry_after": 300}, lambda: services.client_for(acme).list_calls()),
        ({"malformed": "shape", "count": 10}, lambda: services.client_for(acme).list_calls()),
    ]
    errors = []
    for fault, call in attempts:
        simulator.clear_faults()
        if fault:
            simulator.set_fault(**fault)
        with pytest.raises(phoneinc.PhoneIncError) as caught:
            call()
        errors.append(caught.value)
    simulator.clear_faults()
    return errors


def test_it_keeps_keys_out_of_exceptions_and_reprs(simulator, acme):
    errors = errors_from_phoneinc(simulator, acme)
    kinds = {type(error).__name__ for error in errors}
    assert kinds == {"InvalidKey", "NotFound", "Unavailable", "RateLimited", "BadAnswer"}
    for error in errors:
        text = " ".join(
            [str(error), repr(error), error.detail, repr(error.args), repr(vars(error))]
            + traceback.format_exception(error)
        )
        assert_no_key(text, ACME_KEY, WRONG_KEY)
        assert_no_key(pickle.dumps(error), ACME_KEY, WRONG_KEY)
    client = services.client_for(acme)
    assert_no_key(repr(client) + str(client) + repr(vars(client)), ACME_KEY)
    assert_no_key(repr(acme) + str(acme), ACME_KEY)


def test_it_refuses_a_malformed_key_without_quoting_it():
    for bad in ("pk with spaces inside it", "pk_\nnewline_in_the_key", "pk_unicodé_key_value"):
        with pytest.raises(ValueError) as caught:
            phoneinc.PhoneIncClient(bad, base_url="https://api.example")
        assert bad.strip() not in str(caught.value) and bad not in repr(caught.value)


# --- A stored key phonedash cannot use -----------------------------------------------------------


def test_it_explains_a_stored_key_it_cannot_decrypt(alice, acme, simulator, console):
    """After a secret-key change without the old key in the fallbacks: a page, not a 500."""
    from cryptography.fernet import Fernet

    stranger = Fernet(encryption._fernet_key("a-secret-key-this-deployment-never-had-0123"))
    acme.api_key_encrypted = stranger.encrypt(ACME_KEY.encode()).decode()
    acme.save()
    client = Client(raise_request_exception=False)
    client.force_login(alice)
    for url in ("/calls/", "/calls/abc123/", "/calls/abc123/recording/"):
        response = client.get(url)
        assert response.status_code == 502, url
        page = unescape(response.content.decode())
        assert "cannot read this company's stored Phone.inc API key" in page
    assert simulator.request_count() == 0
    assert "stored API key cannot be decrypted" in console.getvalue()


def test_it_explains_a_stored_key_with_impossible_characters(alice, acme, simulator):
    acme.set_api_key("pk_pasted with a space")
    acme.save()
    client = Client(raise_request_exception=False)
    client.force_login(alice)
    response = client.get("/calls/")
    assert response.status_code == 502
    assert "did not accept this company's API key" in unescape(response.content.decode())
    assert "pasted with a space" not in response.content.decode()
    assert simulator.request_count() == 0


def test_it_refuses_an_impossible_key_in_the_admin(admin_client, acme):
    response = admin_client.post(
        f"/admin/calls/company/{acme.pk}/change/",
        {
            "name": "Acme Corp",
            "api_key": "pk_pasted\twith a tab",
            "region": "US",
            "timezone": "UTC",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "no spaces or special characters" in page and "with a tab" not in page
    acme.refresh_from_db()
    assert acme.api_key == ACME_KEY
