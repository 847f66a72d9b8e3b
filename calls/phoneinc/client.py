"""Phone.inc Calls API: the HTTP client.

One method per endpoint, each bounded by a total deadline with retries and waits inside it;
answers are parsed into the records of `calls.phoneinc.records`, failures raised as the
exceptions of `calls.phoneinc.errors`. The reference is Phone.inc's Calls API page, kept in
this repository as docs/phone-inc-calls-api.txt (https://app.phone.inc/api/v1 is the
production base URL).

Free of Django on purpose: callers pass the API key, base URL and timeouts in. The sockets
underneath (calls.phoneinc.transport) end every wait of an attempt at its deadline: connect,
status line, headers, chunked framing and body alike.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import random
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import quote, urlsplit

import requests

from calls.phoneinc import transport
from calls.phoneinc.deadline import MIN_ATTEMPT_SECONDS, record_attempt, request_time_left
from calls.phoneinc.errors import (
    DEFAULT_RETRY_AFTER,
    TOO_SLOW_MESSAGE,
    WRONG_ADDRESS_MESSAGE,
    BadAnswer,
    InvalidKey,
    NotFound,
    PhoneIncError,
    RateLimited,
    Unavailable,
)
from calls.phoneinc.parsing import parse_call, parse_call_list
from calls.phoneinc.records import DIRECTIONS, E164_RE, MAX_LIMIT, Call, is_valid_call_id

logger = logging.getLogger("phonedash.upstream")

USER_AGENT = f"phonedash/0.1 (+https://github.com/phonedash) python-requests/{requests.__version__}"
READ_TIMEOUT = 8.0  # seconds per attempt, unless the caller passes its own
TOTAL_TIMEOUT = 10.0  # seconds per client call, retries and waits included
CONNECT_TIMEOUT = 3.05  # a little over a multiple of 3 s, the TCP SYN retransmission window
MAX_RETRIES = 2  # for connection errors, read timeouts and 502/503/504
BACKOFF_BASE = 0.2  # seconds; doubles each retry, with jitter
MAX_INLINE_RETRY_AFTER = 2  # a 429 asking for longer than this goes back to the user
MAX_RETRY_AFTER = 86400  # a Retry-After further off than a day is taken as a day
MAX_BODY_BYTES = 4 * 1024 * 1024  # 50 calls with long transcripts fit comfortably
RETRYABLE_STATUSES = frozenset({502, 503, 504})
STATE_PARAM_RE = re.compile(r"[a-z_]{1,32}")  # any well-formed state, documented or not


class _Secret(str):
    """The API key as a header value: a real string for requests, masked in any repr.

    Tracebacks and debug pages print local variables with repr(); this keeps the key out.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "'********'"


_SESSION = transport.make_session()


def _parse_retry_after(value: str | None) -> int:
    """Retry-After as whole seconds from now: delta-seconds or an HTTP-date (RFC 9110)."""
    if not value:
        return DEFAULT_RETRY_AFTER
    value = value.strip()
    if value.isdigit():
        return min(int(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return DEFAULT_RETRY_AFTER
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = math.ceil((when - datetime.now(UTC)).total_seconds())
    return min(max(seconds, 0), MAX_RETRY_AFTER)


def _loggable(name: str, value: str) -> str:
    """A query value for the log: a caller's number is personal data, so only its end shows."""
    if name == "phone_number":
        return "*" * max(0, len(value) - 4) + value[-4:]
    return quote(value, safe="")


def _reject_constant(name: str) -> object:
    """NaN and Infinity are not JSON, whatever Python's json module accepts."""
    raise ValueError(f"{name} is not JSON")


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
        timeout: float = READ_TIMEOUT,
        total_timeout: float = TOTAL_TIMEOUT,
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

        Reference: docs/phone-inc-calls-api.txt, "List recent calls" (GET /v1/calls).
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
            not_found=functools.partial(NotFound, WRONG_ADDRESS_MESSAGE, status=502),
        )
        return parse_call_list(data, transcripts=transcripts)

    def get_call(self, call_id: str) -> Call:
        """One call by its public id, fresh (including a newly minted recording URL).

        Reference: docs/phone-inc-calls-api.txt, "Retrieve a call" (GET /v1/calls/:id).
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
            with transport.attempt_deadline(remaining):
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
            if self._clock() >= deadline:  # cut off by the deadline, whatever urllib3 calls it
                raise _Retry(Unavailable(TOO_SLOW_MESSAGE, detail=outcome)) from None
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
            record_attempt(elapsed, outcome)
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
        deadline (a read that waited for full 64 KiB chunks would hold a page for the read
        timeout once per byte).
        """
        chunks: list[bytes] = []
        size = 0
        while True:
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise Unavailable(TOO_SLOW_MESSAGE, detail="deadline reached reading the body")
            chunk = transport.read_some(response, min(self.timeout, remaining))
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
