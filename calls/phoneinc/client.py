"""Phone.inc Calls API: the HTTP client and the typed records it returns.

This is the only module that talks to Phone.inc or knows the shape of its JSON. Answers are
parsed once, here, into frozen dataclasses; everything else in phonedash sees `Call` records
and a small family of exceptions whose messages a manager can read.

Reference: the Phone.inc Calls API ("Calls" in the Phone.inc API reference,
https://app.phone.inc/api/v1 is the production base; a copy of the page this module follows
lives in the project's shared docs as phone-inc-calls-api.txt).

Kept free of Django on purpose: callers pass the API key, base URL and timeouts in.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import functools
import json
import logging
import math
import random
import re
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http.cookiejar import DefaultCookiePolicy
from typing import Any
from urllib.parse import quote, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter

__all__ = [
    "CALL_ID_PATTERN",
    "CALL_ID_RE",
    "DIRECTIONS",
    "STATES",
    "BadAnswer",
    "Call",
    "Employee",
    "InvalidKey",
    "NotFound",
    "PhoneIncClient",
    "PhoneIncError",
    "RateLimited",
    "TranscriptSegment",
    "Unavailable",
    "is_valid_call_id",
    "parse_call",
    "parse_call_list",
    "request_deadline",
    "request_time_left",
    "upstream_last",
    "upstream_stats",
    "upstream_stats_reset",
]

logger = logging.getLogger("phonedash.upstream")

DIRECTIONS = ("inbound", "outbound")
# The documented lifecycle, in order. Phone.inc may add states: parsing keeps unknown ones.
STATES = (
    "initiated",
    "answered",
    "playing_audio",
    "transferring",
    "recording",
    "bridged",
    "ended",
)

# Call ids go into upstream URLs, so only a conservative alphabet is let through: no slashes,
# dots, percent signs or control characters, whatever Phone.inc itself might accept.
CALL_ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}"
CALL_ID_RE = re.compile(CALL_ID_PATTERN)

E164_RE = re.compile(r"\+[1-9][0-9]{6,14}")
STATE_PARAM_RE = re.compile(r"[a-z_]{1,32}")
MAX_LIMIT = 50

# A dialable number is digits with the usual punctuation; anything else in from/to
# ("anonymous", "restricted", "private", "") is a withheld caller ID.
_DIALABLE_RE = re.compile(r"[+0-9 ().-]{3,32}")

USER_AGENT = f"phonedash/0.1 (+https://github.com/phonedash) python-requests/{requests.__version__}"
CONNECT_TIMEOUT = 3.05  # a little over a multiple of 3 s, the TCP SYN retransmission window
MAX_RETRIES = 2  # for connection errors, read timeouts and 502/503/504
BACKOFF_BASE = 0.2  # seconds; doubles each retry, with jitter
MAX_INLINE_RETRY_AFTER = 2  # a 429 asking for longer than this goes back to the user
DEFAULT_RETRY_AFTER = 30
MIN_ATTEMPT_SECONDS = 0.5  # no retry is started with less time than this left
MAX_BODY_BYTES = 4 * 1024 * 1024  # 50 calls with long transcripts fit comfortably
BODY_READ_BYTES = 64 * 1024  # at most this much per read; a read returns whatever has arrived
RETRYABLE_STATUSES = frozenset({502, 503, 504})


def is_valid_call_id(value: object) -> bool:
    """Whether `value` may be used as a call id in an upstream URL (and in our own URLs)."""
    return isinstance(value, str) and CALL_ID_RE.fullmatch(value) is not None


# --------------------------------------------------------------------------------------------
# Upstream time per request, for the request logging middleware


_stats: contextvars.ContextVar[tuple[int, float]] = contextvars.ContextVar(
    "phonedash_upstream_stats", default=(0, 0.0)
)
_last: contextvars.ContextVar[tuple[str, int] | None] = contextvars.ContextVar(
    "phonedash_upstream_last", default=None
)


def upstream_stats_reset() -> None:
    """Start counting afresh; called at the start of each request we serve."""
    _stats.set((0, 0.0))
    _last.set(None)


def upstream_stats() -> tuple[int, float]:
    """(number of upstream attempts, total seconds spent in them) since the last reset."""
    return _stats.get()


def upstream_last() -> tuple[str, int] | None:
    """The last attempt since the reset: its outcome (an HTTP status such as "200", or an error
    class such as "ReadTimeout") and milliseconds; None if there was none. For /readyz."""
    return _last.get()


# --------------------------------------------------------------------------------------------
# One deadline per page: everything a request asks of Phone.inc, retries and waits included


_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "phonedash_request_deadline", default=None
)


@contextlib.contextmanager
def request_deadline(seconds: float) -> Iterator[float]:
    """Bound everything asked of Phone.inc inside the block by `seconds` from now, in all.

    Each client call has its own budget too; with this around a whole request, two calls in a
    row (or a wait for another request's fetch, then a fetch) share one budget instead of
    each getting a fresh one. Nested blocks never extend an outer deadline, only shorten it.
    Yields the deadline, in time.monotonic() terms.
    """
    deadline = time.monotonic() + seconds
    outer = _deadline.get()
    if outer is not None:
        deadline = min(deadline, outer)
    token = _deadline.set(deadline)
    try:
        yield deadline
    finally:
        _deadline.reset(token)


def request_time_left() -> float | None:
    """Seconds left of the current request's deadline (may be <= 0), or None without one."""
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()


def _record_attempt(seconds: float, outcome: str) -> None:
    count, total = _stats.get()
    _stats.set((count + 1, total + seconds))
    _last.set((outcome, round(seconds * 1000)))


# --------------------------------------------------------------------------------------------
# Errors: messages a manager can read, never the API key, and the status our page should use


class PhoneIncError(Exception):
    """Base for everything that can go wrong talking to Phone.inc.

    `message` is for the person looking at the page; `detail` is for logs (it never holds
    the key or the upstream body); `status` is the HTTP status our page should answer with.
    """

    title = "Phone.inc problem"
    status = 502
    default_message = "Something went wrong while talking to Phone.inc."

    def __init__(
        self,
        message: str | None = None,
        *,
        detail: str = "",
        upstream_status: int | None = None,
        status: int | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.detail = detail
        self.upstream_status = upstream_status
        if status is not None:
            self.status = status
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Exceptions unpickle by calling cls(*args), which our keyword-only fields defeat.
        return (_rebuild_error, (type(self), dict(self.__dict__)))


def _rebuild_error(cls: type[PhoneIncError], state: dict[str, Any]) -> PhoneIncError:
    exc = cls.__new__(cls)
    Exception.__init__(exc, state.get("message", ""))
    exc.__dict__.update(state)
    return exc


class InvalidKey(PhoneIncError):
    """Phone.inc refused the company's API key (401/403): only an administrator can fix it."""

    title = "Phone.inc refused the API key"
    status = 502
    default_message = (
        "Phone.inc did not accept this company's API key. Ask your administrator to check it."
    )


class NotFound(PhoneIncError):
    """The call does not exist on this company's account (or the id could never be one)."""

    title = "Call not found"
    status = 404
    default_message = "This call was not found in your company's Phone.inc account."


class RateLimited(PhoneIncError):
    """Phone.inc asked us to slow down (429) for longer than a page can wait."""

    title = "Too many requests"
    status = 429

    def __init__(self, retry_after: int = DEFAULT_RETRY_AFTER, **kwargs: Any) -> None:
        self.retry_after = retry_after
        kwargs.setdefault(
            "message",
            "Phone.inc is getting too many requests from your company right now. "
            f"Try again in {_describe_wait(retry_after)}.",
        )
        super().__init__(**kwargs)


class Unavailable(PhoneIncError):
    """Phone.inc is down, slow or unreachable (5xx, timeouts, connection errors)."""

    title = "Phone.inc is unavailable"
    status = 503
    default_message = "Phone.inc is not answering right now. Try again in a moment."


class BadAnswer(PhoneIncError):
    """Phone.inc answered something we cannot read (not JSON, wrong shape, odd status)."""

    title = "Unreadable answer from Phone.inc"
    status = 502
    default_message = (
        "Phone.inc sent an answer phonedash could not read. Try again in a moment; "
        "if it keeps happening, tell your administrator."
    )


TOO_SLOW_MESSAGE = "Phone.inc took too long to answer. Try again in a moment."
_WRONG_ADDRESS_MESSAGE = (
    "Phone.inc did not recognise the address phonedash uses for it. "
    "Ask your administrator to check the Phone.inc API URL."
)


def _describe_wait(seconds: int) -> str:
    seconds = max(seconds, 1)
    if seconds < 60:
        return "1 second" if seconds == 1 else f"{seconds} seconds"
    minutes = math.ceil(seconds / 60)
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


# --------------------------------------------------------------------------------------------
# Typed records


def _pickled_as_constructor_call(record) -> tuple[Any, tuple[Any, ...]]:
    """Records travel through the cache and are unpickled on every page that shows them: as a
    constructor call that takes a third of the time of dataclasses' per-field slot state (a
    2,000-segment call: 1.4 ms instead of 4.5 ms)."""
    return type(record), tuple(getattr(record, name) for name in record.__slots__)


@dataclasses.dataclass(frozen=True, slots=True)
class Employee:
    """A person at the company who took part in a call. `name` may be "" if Phone.inc omits it."""

    id: str
    name: str

    __reduce__ = _pickled_as_constructor_call


@dataclasses.dataclass(frozen=True, slots=True)
class TranscriptSegment:
    """One speaker turn; `employee_id` is set when the speaker is one of the company's people."""

    speaker: str
    text: str
    employee_id: str | None = None

    __reduce__ = _pickled_as_constructor_call


@dataclasses.dataclass(frozen=True, slots=True)
class Call:
    """One Phone.inc call, as parsed from the API. Numbers are kept as Phone.inc sent them."""

    id: str
    from_number: str
    to_number: str
    direction: str
    state: str
    started_at: datetime | None = None
    answered_at: datetime | None = None
    duration: int | None = None
    summary: str | None = None
    transcription: str | None = None
    segments: tuple[TranscriptSegment, ...] | None = None
    recording_url: str | None = None
    main_number_id: str | None = None
    main_number_name: str | None = None
    main_number: str | None = None
    main_number_formatted: str | None = None
    employees: tuple[Employee, ...] = ()
    initiated_by: Employee | None = None
    # Survives without_recording(), so a cached call still knows whether there is one to play.
    has_recording: bool = False

    __reduce__ = _pickled_as_constructor_call

    def __post_init__(self) -> None:
        if self.recording_url and not self.has_recording:
            object.__setattr__(self, "has_recording", True)

    @property
    def remote_number(self) -> str:
        """The other party: who called us, or whom we called."""
        return self.to_number if self.direction == "outbound" else self.from_number

    @property
    def is_ended(self) -> bool:
        return self.state == "ended"

    @property
    def is_live(self) -> bool:
        """Not ended yet (including states Phone.inc may add): the detail page keeps polling."""
        return not self.is_ended

    @property
    def is_missed(self) -> bool:
        return self.direction == "inbound" and self.is_ended and self.answered_at is None

    @property
    def is_withheld(self) -> bool:
        """The remote party hid their number ("anonymous", "restricted", empty...)."""
        number = self.remote_number
        dialable = _DIALABLE_RE.fullmatch(number) and sum(c.isdigit() for c in number) >= 3
        return not dialable

    @property
    def has_valid_id(self) -> bool:
        """Whether our URLs can link to this call (ids outside CALL_ID_RE cannot be fetched)."""
        return is_valid_call_id(self.id)

    def without_recording(self) -> Call:
        """A copy safe to cache: recording URLs are minted per request and expire."""
        if self.recording_url is None:
            return self
        return dataclasses.replace(self, recording_url=None, has_recording=True)


# --------------------------------------------------------------------------------------------
# Parsing: strict about shape, tolerant about content


def _clean(value: str) -> str:
    return value.replace("\x00", "")


def _bad(where: str, problem: str) -> BadAnswer:
    return BadAnswer(detail=f"{where}: {problem}")


def _required_str(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise _bad(f"{where}.{key}", "missing or not a string")
    value = _clean(value).strip()
    if not value:
        raise _bad(f"{where}.{key}", "empty")
    return value


def _optional_str(
    data: Mapping[str, Any], key: str, where: str, *, strip: bool = True
) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _bad(f"{where}.{key}", "not a string")
    value = _clean(value)
    return value.strip() if strip else value


def _number(data: Mapping[str, Any], key: str, where: str) -> str:
    """from/to: null or missing becomes "" (withheld); other text is kept as sent."""
    return _optional_str(data, key, where) or ""


def _timestamp(data: Mapping[str, Any], key: str, where: str) -> datetime | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 64:
        raise _bad(f"{where}.{key}", "not an ISO 8601 timestamp")
    try:
        parsed = datetime.fromisoformat(_clean(value).strip())
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)  # Phone.inc speaks UTC
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        raise _bad(f"{where}.{key}", "not an ISO 8601 timestamp") from None


def _duration(data: Mapping[str, Any], where: str) -> int | None:
    value = data.get("duration")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _bad(f"{where}.duration", "not a non-negative integer")
    return value


def _employee(entry: object) -> Employee | None:
    """One employee entry, or None when it is too broken to show."""
    if not isinstance(entry, Mapping):
        return None
    emp_id, name = entry.get("id"), entry.get("name")
    emp_id = _clean(emp_id).strip() if isinstance(emp_id, str) else ""
    name = _clean(name).strip() if isinstance(name, str) else ""
    if not emp_id and not name:
        return None
    return Employee(id=emp_id, name=name)


def _employees(data: Mapping[str, Any], where: str) -> tuple[Employee, ...]:
    value = data.get("employees")
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _bad(f"{where}.employees", "not a list")
    return tuple(emp for emp in map(_employee, value) if emp is not None)


def _initiated_by(data: Mapping[str, Any], where: str) -> Employee | None:
    value = data.get("initiated_by")
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise _bad(f"{where}.initiated_by", "not an object")
    return _employee(value)


def _segment(entry: object) -> TranscriptSegment | None:
    """One transcript turn, or None when it has no text to show."""
    if not isinstance(entry, Mapping):
        return None
    text = entry.get("text")
    if not isinstance(text, str) or not (text := _clean(text)).strip():
        return None
    speaker = entry.get("speaker")
    employee_id = entry.get("employee_id")
    return TranscriptSegment(
        speaker=_clean(speaker).strip() if isinstance(speaker, str) else "",
        text=text.strip(),
        employee_id=(_clean(employee_id).strip() or None) if isinstance(employee_id, str) else None,
    )


def _segments(data: Mapping[str, Any], where: str) -> tuple[TranscriptSegment, ...] | None:
    value = data.get("transcription_segments")
    if value is None:
        return None
    if not isinstance(value, list):
        raise _bad(f"{where}.transcription_segments", "not a list")
    return tuple(seg for seg in map(_segment, value) if seg is not None)


def parse_call(data: object, *, where: str = "call", transcripts: bool = True) -> Call:
    """Turn one call object from the API into a `Call`, or raise `BadAnswer`.

    Unknown fields are ignored; unknown states and directions are kept (lower-cased) so the
    dashboard can still show them. With `transcripts=False` the transcript fields are not read
    at all (left None), like unknown ones: lists show none, and reading 50 of them was most
    of what parsing a list cost.
    """
    if not isinstance(data, Mapping):
        raise _bad(where, "not an object")
    transcription = segments = None
    if transcripts:
        transcription = _optional_str(data, "transcription", where, strip=False)
        segments = _segments(data, where)
    return Call(
        id=_required_str(data, "id", where),
        from_number=_number(data, "from", where),
        to_number=_number(data, "to", where),
        direction=_required_str(data, "direction", where).lower(),
        state=_required_str(data, "state", where).lower(),
        started_at=_timestamp(data, "started_at", where),
        answered_at=_timestamp(data, "answered_at", where),
        duration=_duration(data, where),
        summary=_optional_str(data, "summary", where, strip=False),
        transcription=transcription,
        segments=segments,
        recording_url=_optional_str(data, "recording_url", where) or None,
        main_number_id=_optional_str(data, "main_number_id", where),
        main_number_name=_optional_str(data, "main_number_name", where),
        main_number=_optional_str(data, "main_number", where),
        main_number_formatted=_optional_str(data, "main_number_formatted", where),
        employees=_employees(data, where),
        initiated_by=_initiated_by(data, where),
    )


def parse_call_list(data: object, *, transcripts: bool = True) -> list[Call]:
    """Turn the list endpoint's `{"calls": [...]}` into `Call`s, or raise `BadAnswer`."""
    if not isinstance(data, Mapping):
        raise _bad("answer", "not an object")
    calls = data.get("calls")
    if not isinstance(calls, list):
        raise _bad("answer.calls", "missing or not a list")
    return [
        parse_call(item, where=f"calls[{i}]", transcripts=transcripts)
        for i, item in enumerate(calls)
    ]


# --------------------------------------------------------------------------------------------
# HTTP


class _Secret(str):
    """The API key as a header value: a real string for requests, masked in any repr.

    Tracebacks and debug pages print local variables with repr(); this keeps the key out.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "'********'"


def _make_session() -> requests.Session:
    """The shared session: pooled connections, no cookies, no urllib3 retries."""
    session = requests.Session()
    # One session serves every company: a cookie set for one must never travel with another.
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=32, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


_SESSION = _make_session()


def _parse_retry_after(value: str | None) -> int:
    """Retry-After as whole seconds from now: delta-seconds or an HTTP-date (RFC 9110)."""
    if not value:
        return DEFAULT_RETRY_AFTER
    value = value.strip()
    if value.isdigit():
        return min(int(value), 86400)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return DEFAULT_RETRY_AFTER
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = math.ceil((when - datetime.now(UTC)).total_seconds())
    return min(max(seconds, 0), 86400)


def _loggable(name: str, value: str) -> str:
    """A query value for the log: a caller's number is personal data, so only its end shows."""
    if name == "phone_number":
        return "*" * max(0, len(value) - 4) + value[-4:]
    return quote(value, safe="")


class _Retry(Exception):
    """Internal: this attempt failed in a way another attempt may fix."""

    def __init__(self, error: PhoneIncError, *, wait: float | None = None) -> None:
        self.error = error
        self.wait = wait  # None: exponential backoff; a number: what Retry-After asked for


class PhoneIncClient:
    """Talks to the Phone.inc Calls API with one company's key.

    Every call is bounded by `total_timeout` seconds, retries and waits included, so a page
    never hangs on Phone.inc. Cheap to create: connections are pooled in a shared session.
    """

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str,
        timeout: float = 8.0,
        total_timeout: float = 10.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        if not isinstance(api_key, str) or not api_key.strip():
            raise ValueError("The Phone.inc API key is empty.")
        api_key = api_key.strip()
        # Checked here so requests never raises InvalidHeader, whose message quotes the value.
        if not api_key.isascii() or not api_key.isprintable() or " " in api_key:
            raise ValueError("The Phone.inc API key has characters an API key cannot contain.")
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("The Phone.inc API URL must start with http:// or https://.")
        if timeout <= 0 or total_timeout <= 0:
            raise ValueError("Phone.inc timeouts must be positive.")
        self._api_key = _Secret(api_key)
        self.base_url = base_url.rstrip("/")
        self.timeout = float(timeout)
        self.total_timeout = float(total_timeout)
        self._session = session if session is not None else _SESSION
        self._sleep = sleep if sleep is not None else time.sleep
        self._clock = clock if clock is not None else time.monotonic

    def __repr__(self) -> str:
        return f"<PhoneIncClient {self.base_url} key=********>"

    # -- endpoints ---------------------------------------------------------------------------

    def list_calls(
        self,
        *,
        phone_number: str | None = None,
        direction: str | None = None,
        state: str | None = None,
        limit: int | None = None,
        transcripts: bool = True,
    ) -> list[Call]:
        """Recent calls, newest first, optionally filtered (`transcripts=False`: without them).

        Reference: Phone.inc API, Calls, "List recent calls" (GET /v1/calls).
        Parameters must already be validated (forms do that); a bad one is a programming
        error and raises ValueError before any request.
        """
        params: dict[str, str] = {}
        if phone_number:
            if not isinstance(phone_number, str) or not E164_RE.fullmatch(phone_number):
                raise ValueError("phone_number must be in E.164 format, like +14155551234.")
            params["phone_number"] = phone_number
        if direction:
            if direction not in DIRECTIONS:
                raise ValueError("direction must be 'inbound' or 'outbound'.")
            params["direction"] = direction
        if state:
            if not isinstance(state, str) or not STATE_PARAM_RE.fullmatch(state):
                raise ValueError("state must be a lowercase identifier such as 'ended'.")
            params["state"] = state
        if limit is not None:
            if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
                raise ValueError(f"limit must be an integer from 1 to {MAX_LIMIT}.")
            params["limit"] = str(limit)
        data = self._get(
            "/calls",
            params,
            not_found=functools.partial(NotFound, _WRONG_ADDRESS_MESSAGE, status=502),
        )
        return parse_call_list(data, transcripts=transcripts)

    def get_call(self, call_id: str) -> Call:
        """One call by its public id, fresh (including a newly minted recording URL).

        Reference: Phone.inc API, Calls, "Retrieve a call" (GET /v1/calls/:id).
        An id that could not be a Phone.inc id raises NotFound without asking Phone.inc.
        """
        if not is_valid_call_id(call_id):
            raise NotFound(detail="invalid call id; no request made")
        data = self._get(f"/calls/{quote(call_id, safe='')}", {}, not_found=NotFound)
        return parse_call(data)

    # -- transport ---------------------------------------------------------------------------

    def _get(
        self, path: str, params: dict[str, str], *, not_found: Callable[..., NotFound]
    ) -> object:
        """GET with bounded retries inside the total deadline (this client's, or the request's
        if that comes first); returns the decoded JSON."""
        deadline = self._clock() + self.total_timeout
        left = request_time_left()
        if left is not None:
            deadline = min(deadline, self._clock() + left)
        retries = 0
        waited_for_rate_limit = False
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._attempt(path, params, deadline, attempt, not_found)
            except _Retry as retry:
                if retry.wait is not None:  # 429 with a short Retry-After
                    if waited_for_rate_limit:
                        raise retry.error from None
                    waited_for_rate_limit = True
                    delay = retry.wait
                else:
                    if retries >= MAX_RETRIES:
                        raise retry.error from None
                    retries += 1
                    delay = BACKOFF_BASE * 2 ** (retries - 1) * random.uniform(0.75, 1.25)
                if self._clock() + delay + MIN_ATTEMPT_SECONDS > deadline:
                    raise retry.error from None
                self._sleep(delay)

    def _attempt(
        self,
        path: str,
        params: dict[str, str],
        deadline: float,
        attempt: int,
        not_found: Callable[..., NotFound],
    ) -> object:
        """One request; raises PhoneIncError, or _Retry when another attempt may help."""
        remaining = deadline - self._clock()
        if remaining <= 0:
            raise Unavailable(TOO_SLOW_MESSAGE, detail="deadline reached")
        url = self.base_url + path
        log_path = urlsplit(url).path  # never the host part, which could hold credentials
        if params:
            log_path += "?" + "&".join(f"{k}={_loggable(k, v)}" for k, v in params.items())
        started = self._clock()
        outcome = "?"
        try:
            response = self._session.get(
                url,
                params=params,
                headers={
                    "User-Agent": USER_AGENT,
                    "Accept": "application/json",
                    "X-Api-Key": self._api_key,
                },
                timeout=(
                    min(CONNECT_TIMEOUT, self.timeout, remaining),
                    min(self.timeout, remaining),
                ),
                # A redirect would carry X-Api-Key to wherever it points: never follow one.
                allow_redirects=False,
                stream=True,
            )
            with response:
                outcome = str(response.status_code)
                return self._handle(response, deadline, not_found)
        except requests.Timeout as exc:
            outcome = type(exc).__name__
            error = Unavailable(TOO_SLOW_MESSAGE, detail=outcome)
            raise _Retry(error) from None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            outcome = type(exc).__name__
            raise _Retry(Unavailable(detail=outcome)) from None
        except requests.exceptions.ContentDecodingError as exc:
            outcome = type(exc).__name__
            raise BadAnswer(detail=outcome) from None
        except requests.RequestException as exc:
            outcome = type(exc).__name__
            raise Unavailable(detail=outcome) from None
        except (PhoneIncError, _Retry) as exc:
            if outcome == "?":
                outcome = type(exc).__name__
            raise
        finally:
            elapsed = self._clock() - started
            _record_attempt(elapsed, outcome)
            logger.info(
                "GET %s -> %s in %d ms (attempt %d)",
                log_path,
                outcome,
                round(elapsed * 1000),
                attempt,
                extra={
                    "upstream_method": "GET",
                    "upstream_path": log_path,
                    "upstream_outcome": outcome,
                    "upstream_ms": round(elapsed * 1000),
                    "upstream_attempt": attempt,
                },
            )

    def _handle(
        self, response: requests.Response, deadline: float, not_found: Callable[..., NotFound]
    ) -> object:
        status = response.status_code
        if status == 200:
            return self._decode(response, deadline)
        if status in (401, 403):
            raise InvalidKey(detail=f"HTTP {status}", upstream_status=status)
        if status == 404:
            # The list route exists, so there a 404 means the API URL is wrong.
            raise not_found(detail="HTTP 404", upstream_status=status)
        if status == 429:
            retry_after = _parse_retry_after(response.headers.get("Retry-After"))
            error = RateLimited(retry_after, detail="HTTP 429", upstream_status=status)
            if retry_after <= MAX_INLINE_RETRY_AFTER:
                raise _Retry(error, wait=float(retry_after))
            raise error
        if status in RETRYABLE_STATUSES:
            raise _Retry(Unavailable(detail=f"HTTP {status}", upstream_status=status))
        if status >= 500:
            raise Unavailable(detail=f"HTTP {status}", upstream_status=status)
        raise BadAnswer(detail=f"unexpected HTTP {status}", upstream_status=status)

    def _decode(self, response: requests.Response, deadline: float) -> object:
        """Read the body within the deadline and a size cap, and decode it as JSON.

        Each read returns as soon as some bytes have arrived and may wait no longer than the
        time left, so a server that trickles its answer a byte at a time is cut off at the
        deadline (waiting for full 64 KiB chunks, it could hold a page for the read timeout
        once per byte).
        """
        chunks: list[bytes] = []
        size = 0
        while True:
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise Unavailable(TOO_SLOW_MESSAGE, detail="deadline reached reading the body")
            chunk = self._read_some(response, min(self.timeout, remaining))
            if not chunk:
                break
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise BadAnswer(detail="answer larger than the size cap")
            chunks.append(chunk)
        content_type = response.headers.get("Content-Type", "")
        if "html" in content_type.lower():
            raise BadAnswer(detail=f"HTML instead of JSON ({content_type[:60]})")
        try:
            return json.loads(b"".join(chunks), parse_constant=_reject_constant)
        except (ValueError, RecursionError):
            raise BadAnswer(detail="answer is not JSON") from None

    @staticmethod
    def _read_some(response: requests.Response, wait: float) -> bytes:
        """What has arrived of the body (decompressed), waiting at most `wait` seconds; b"" at
        its end. Errors are raised as requests raises them while iterating a body."""
        raw = response.raw
        if not isinstance(raw, urllib3.BaseHTTPResponse):  # a file-like stand-in, in tests
            return raw.read1(BODY_READ_BYTES)
        sock = getattr(raw.connection, "sock", None)
        if sock is not None:
            sock.settimeout(wait)  # urllib3 sets the read timeout afresh for each request
        try:
            return raw.read1(BODY_READ_BYTES, decode_content=True)
        except urllib3.exceptions.ReadTimeoutError as exc:
            raise requests.ReadTimeout(exc) from None
        except urllib3.exceptions.ProtocolError as exc:
            raise requests.exceptions.ChunkedEncodingError(exc) from None
        except urllib3.exceptions.DecodeError as exc:
            raise requests.exceptions.ContentDecodingError(exc) from None
        except urllib3.exceptions.SSLError as exc:
            raise requests.exceptions.SSLError(exc) from None


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")
