"""What can go wrong talking to Phone.inc, as exceptions a page can show.

Each carries a message a manager can read, never the API key, and the status our page should
answer with; views turn them into a styled message fragment.
"""

from __future__ import annotations

import math
from typing import Any

DEFAULT_RETRY_AFTER = 30  # seconds, when a 429 does not say how long to wait
TOO_SLOW_MESSAGE = "Phone.inc took too long to answer. Try again in a moment."
WRONG_ADDRESS_MESSAGE = (
    "Phone.inc did not recognise the address phonedash uses for it. "
    "Ask your administrator to check the Phone.inc API URL."
)


class PhoneIncError(Exception):
    """Base for everything that can go wrong talking to Phone.inc.

    `message` is for the person looking at the page; `detail` is for logs (it never holds
    the key or the upstream body); `status` is the HTTP status our page should answer with.
    """

    title = "Phone.inc problem"
    status = 502
    default_message = "Something went wrong while talking to Phone.inc."
    # Asking again cannot help (a refused key, a missing call): it needs a person, not a retry,
    # and no old answer is shown in its stead.
    is_final = False

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
    is_final = True
    default_message = (
        "Phone.inc did not accept this company's API key. Ask your administrator to check it."
    )


class NotFound(PhoneIncError):
    """The call does not exist on this company's account (or the id could never be one)."""

    title = "Call not found"
    status = 404
    is_final = True
    default_message = "This call was not found in your company's Phone.inc account."


def _describe_wait(seconds: int) -> str:
    seconds = max(seconds, 1)
    if seconds < 60:
        return "1 second" if seconds == 1 else f"{seconds} seconds"
    minutes = math.ceil(seconds / 60)
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


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
