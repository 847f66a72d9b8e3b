"""The simulated clock and the vendor's timestamp format.

Simulated time runs with real time from a chosen start, plus whatever `advance()` added, so
the demo shows calls moving on their own while tests can jump minutes ahead instantly (or
freeze the clock entirely for exact assertions).
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC with a `Z`, whole seconds: the vendor's format."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(value: object) -> datetime | None:
    """A timestamp field as an aware datetime, or None when it is null or unreadable."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Clock:
    """Thread-safe simulated time: start + real time elapsed (unless frozen) + advances."""

    def __init__(self, start: datetime | None = None, *, frozen: bool = False) -> None:
        if start is not None and start.tzinfo is None:
            raise ValueError("start must be an aware datetime")
        self.start = (start or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
        self.frozen = frozen
        self._began = time.monotonic()
        self._advanced = 0.0
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            running = 0.0 if self.frozen else time.monotonic() - self._began
            return self.start + timedelta(seconds=running + self._advanced)

    def advance(self, seconds: float) -> datetime:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._advanced += seconds
        return self.now()
