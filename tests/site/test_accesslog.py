"""No log writes a webhook's token: gunicorn's access log (phonedash.accesslog) and any other
line that carries a hook's path (phonedash.redaction)."""

from __future__ import annotations

import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from phonedash.accesslog import AccessLogger
from phonedash.redaction import RedactSecrets

TOKEN = "Zq3x9K_8vLmN2pQr7sTu4VwXyZa1Bc5De6Fg0HiJkLm"


@pytest.fixture(autouse=True)
def gunicorns_loggers_left_as_found():
    """gunicorn's Logger sets up handlers of its own on its loggers: gone again after."""
    loggers = [logging.getLogger(name) for name in ("gunicorn.error", "gunicorn.access")]
    before = [(list(each.handlers), each.propagate) for each in loggers]
    yield
    for each, (handlers, propagate) in zip(loggers, before, strict=True):
        each.handlers[:] = handlers
        each.propagate = propagate


def atoms_of(path: str, query: str = "") -> dict:
    logger = AccessLogger(Config())
    request = SimpleNamespace(
        method="POST", path=path, query=query, uri=path, version=(1, 1), headers=[]
    )
    response = SimpleNamespace(status="202 Accepted", sent=12, headers=[], status_code=202)
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": path + (f"?{query}" if query else ""),
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
    }
    return logger.atoms(response, request, environ, timedelta(milliseconds=3))


def test_the_access_log_masks_a_webhooks_token():
    found = atoms_of(f"/hooks/phoneinc/{TOKEN}/")
    assert TOKEN not in str(found["U"]) and TOKEN not in str(found["r"])
    assert str(found["U"]).startswith("/hooks/phoneinc/")
    assert str(found["r"]).startswith("POST /hooks/phoneinc/")


def test_the_access_log_leaves_other_paths_as_they_are():
    assert atoms_of("/calls/insights/")["U"] == "/calls/insights/"


def test_any_log_line_with_a_hooks_path_hides_its_token():
    record = logging.LogRecord(
        "django.request",
        logging.ERROR,
        "",
        0,
        "Internal Server Error: %s",
        (f"/hooks/phoneinc/{TOKEN}/",),
        None,
    )
    RedactSecrets().filter(record)
    assert TOKEN not in record.getMessage()
    assert "/hooks/phoneinc/" in record.getMessage()
