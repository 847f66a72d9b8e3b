"""Phone.inc Calls API: the HTTP client and the typed records it returns.

The only code that talks to Phone.inc or knows the shape of its JSON, and free of Django:
answers are parsed once into frozen dataclasses, so the rest of phonedash sees `Call` records
and a small family of exceptions whose messages a manager can read. One module per concern:

- `records`: `Call`, `Employee`, `TranscriptSegment`, the table of call states, directions,
  list limits and the call-id alphabet;
- `parsing`: JSON into records, strict about shape and tolerant about content;
- `errors`: the `PhoneIncError` family;
- `deadline`: one deadline per request we serve, and the upstream time spent in it;
- `transport`: the shared session, whose sockets end every wait of a request at its deadline;
- `client`: `PhoneIncClient`, its retries and timeouts.

Callers import from the package: `from calls import phoneinc; phoneinc.Call`.
"""

from __future__ import annotations

from calls.phoneinc.client import PhoneIncClient
from calls.phoneinc.deadline import (
    MIN_ATTEMPT_SECONDS,
    request_deadline,
    request_time_left,
    upstream_last,
    upstream_stats,
    upstream_stats_reset,
)
from calls.phoneinc.errors import (
    TOO_SLOW_MESSAGE,
    BadAnswer,
    InvalidKey,
    NotFound,
    PhoneIncError,
    RateLimited,
    Unavailable,
)
from calls.phoneinc.parsing import parse_call, parse_call_list
from calls.phoneinc.records import (
    CALL_ID_PATTERN,
    CALL_ID_RE,
    DEFAULT_LIMIT,
    DIRECTIONS,
    E164_RE,
    MAX_LIMIT,
    STATES,
    Call,
    CallState,
    Employee,
    TranscriptSegment,
    call_state,
    is_valid_call_id,
    is_withheld_number,
)

__all__ = [
    "CALL_ID_PATTERN",
    "CALL_ID_RE",
    "DEFAULT_LIMIT",
    "DIRECTIONS",
    "E164_RE",
    "MAX_LIMIT",
    "MIN_ATTEMPT_SECONDS",
    "STATES",
    "TOO_SLOW_MESSAGE",
    "BadAnswer",
    "Call",
    "CallState",
    "Employee",
    "InvalidKey",
    "NotFound",
    "PhoneIncClient",
    "PhoneIncError",
    "RateLimited",
    "TranscriptSegment",
    "Unavailable",
    "call_state",
    "is_valid_call_id",
    "is_withheld_number",
    "parse_call",
    "parse_call_list",
    "request_deadline",
    "request_time_left",
    "upstream_last",
    "upstream_stats",
    "upstream_stats_reset",
]
