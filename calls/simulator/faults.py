"""Failure switches: the ways a real upstream lets a client down.

One fault is active at a time. It applies to `/api/v1/*` only (recordings and the `/_sim/`
control routes keep working, so a test can always switch a fault off again), optionally
only to some paths, for a number of requests or until cleared.

Status rules: with `status` left as None the fault answers 503, except when it only adds a
`delay` (then the normal answer follows, late) or is `malformed`: "json" and "shape" answer
200 (the point is a body that looks fine at the HTTP level), "html" answers 502, the way a
proxy in front of the API would.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from .reply import Reply, json_reply

MALFORMED = ("json", "shape", "html")
API_PREFIX = "/api/v1"

ERRORS = {
    401: "Invalid API key",
    403: "Forbidden",
    429: "Rate limit exceeded",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service temporarily unavailable",
    504: "Gateway timeout",
}

HTML_PAGE = (
    "<html>\r\n<head><title>{code} {phrase}</title></head>\r\n<body>\r\n"
    "<center><h1>{code} {phrase}</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


@dataclass
class Fault:
    status: int | None = None
    count: int | None = None
    retry_after: int | float | None = None
    delay: float = 0.0
    malformed: str | None = None
    paths: tuple[str, ...] | None = None

    @classmethod
    def build(
        cls,
        status: int | None = None,
        count: int | None = None,
        retry_after: int | float | None = None,
        delay: float = 0.0,
        malformed: str | None = None,
        paths: str | list[str] | tuple[str, ...] | None = None,
    ) -> Fault:
        """A validated fault; ValueError names the bad switch."""
        if status is not None and (not isinstance(status, int) or not 100 <= status <= 599):
            raise ValueError("status must be an HTTP status code")
        if count is not None and (not isinstance(count, int) or count < 1):
            raise ValueError("count must be a positive integer or null")
        if retry_after is not None and (
            not isinstance(retry_after, int | float) or retry_after < 0
        ):
            raise ValueError("retry_after must be a number of seconds")
        if not isinstance(delay, int | float) or delay < 0:
            raise ValueError("delay must be a number of seconds >= 0")
        if malformed is not None and malformed not in MALFORMED:
            raise ValueError(f"malformed must be one of {', '.join(MALFORMED)}")
        if isinstance(paths, str):
            paths = (paths,)
        if paths is not None:
            if not all(isinstance(path, str) for path in paths):
                raise ValueError("paths must be a list of path prefixes")
            paths = tuple(_absolute(path) for path in paths)
        return cls(status, count, retry_after, float(delay), malformed, paths)

    def applies_to(self, path: str) -> bool:
        return self.paths is None or any(path.startswith(prefix) for prefix in self.paths)

    def answer(self, path: str) -> Reply | None:
        """The faulty answer, or None when the fault is only a delay."""
        if self.malformed == "json":
            body = b'{"calls": [{"id": "0193f4ba-1234-7c00-9e3d-2b2b8a7f1c11", "from": "+1408'
            return Reply(200, {"Content-Type": "application/json; charset=utf-8"}, body)
        if self.malformed == "shape":
            is_list = path.rstrip("/") == f"{API_PREFIX}/calls"
            return json_reply(200, {"calls": {"oops": 1}} if is_list else [{"oops": 1}])
        status = self.status
        if status is None:
            if self.malformed is None and self.delay:
                return None
            status = 502 if self.malformed == "html" else 503
        headers = {}
        if self.retry_after is not None:
            headers["Retry-After"] = f"{self.retry_after:g}"
        if self.malformed == "html":
            phrase = _phrase(status)
            page = HTML_PAGE.format(code=status, phrase=phrase).encode()
            return Reply(status, {"Content-Type": "text/html", **headers}, page)
        if 200 <= status < 300:
            return None
        return json_reply(status, {"error": ERRORS.get(status, _phrase(status))}, headers)

    def describe(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "count": self.count,
            "retry_after": self.retry_after,
            "delay": self.delay,
            "malformed": self.malformed,
            "paths": list(self.paths) if self.paths is not None else None,
        }


def _absolute(path: str) -> str:
    """Let tests say "/calls" for "/api/v1/calls"."""
    return path if path.startswith(API_PREFIX) else API_PREFIX + "/" + path.lstrip("/")


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
