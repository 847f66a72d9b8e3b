"""Log line plumbing: the id of the request being served on every record, and a JSON format.

Nothing here imports the project's apps: settings.LOGGING loads it before they are ready.
"""

from __future__ import annotations

import contextvars
import json
import logging

# Set by phonedash.requestlog while a request is served, so every line logged for it carries it.
current_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "phonedash_request_id", default=None
)


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
