"""Log plumbing: no API key ever reaches a log line, and an optional JSON line format.

Keys are registered here when they are decrypted, so the filter knows the exact strings to
hide; a header-shaped pattern catches anything that looks like ``X-Api-Key: ...`` as well.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import threading

REDACTED = "[redacted]"
_HEADER_RE = re.compile(r"(?i)(x-api-key['\"]?\s*[:=]\s*['\"]?)[^\s'\",}]+")
_secrets: set[str] = set()
_lock = threading.Lock()
# Set by calls.requestlog while a request is served, so every line logged for it carries it.
current_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "phonedash_request_id", default=None
)


def register_secret(value: str) -> None:
    """Remember a secret so that RedactSecrets hides it wherever it shows up."""
    if value and len(value) >= 6:
        with _lock:
            _secrets.add(value)


def redact(text: str) -> str:
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    return _HEADER_RE.sub(rf"\1{REDACTED}", text)


class RedactSecrets(logging.Filter):
    """Rewrites the message and any traceback of a record with secrets removed."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not break logging
            message = str(record.msg)
        record.msg, record.args = redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_info or record.exc_text:
            record.exc_info = None  # formatters must use the redacted text, not the exception
        for name, value in list(vars(record).items()):  # exc_text, stack_info, `extra` fields
            if isinstance(value, str) and name != "msg":
                setattr(record, name, redact(value))
        return True


class RequestIdFilter(logging.Filter):
    """Puts the id of the request being served on every record logged for it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            request_id = current_request_id.get()
            if request_id is not None:
                record.request_id = request_id
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the structured fields request logging attaches."""

    FIELDS = (
        "request_id",
        "method",
        "path",
        "params",
        "status",
        "duration_ms",
        "user_id",
        "company_id",
        "upstream_requests",
        "upstream_ms",
        "cache",
        "upstream_method",
        "upstream_path",
        "upstream_outcome",
        "upstream_attempt",
    )

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in self.FIELDS:
            if hasattr(record, field):
                data[field] = getattr(record, field)
        if record.exc_text:
            data["exception"] = record.exc_text
        return json.dumps(data, default=str)
