"""Counting sign-in attempts exactly: per account and per address, across every worker.

An attempt is counted *before* its password is checked. Each counter (calls.models.LoginCounter,
one row per account and per address) holds the failures in its window and the attempts being
checked right now (`pending`); an attempt may go ahead only while failures + pending is below
the limit, and taking that place is one conditional UPDATE, atomic on SQLite and PostgreSQL
alike. So however many attempts arrive at once, on however many workers, no more passwords are
checked than failures are left; the others wait a moment for those outcomes and are then
refused (the account is locked) or let through (the attempts succeeded).

A wrong password turns the place into a failure; the failure that reaches the limit locks the
counter for PHONEDASH_LOGIN_LOCKOUT_MINUTES and starts it afresh. The window failures are
counted in starts at the first failure and lasts as long. A right password gives the place back.

The counters are in the database in every configuration, so a cache that is down or hung
changes nothing here. If the database cannot count an attempt, `reserve` raises
DatabaseError and the attempt is refused without checking its password.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Iterable

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Case, F, Value, When
from django.db.models.functions import Greatest

from calls.models import LoginCounter

log = logging.getLogger("phonedash.security")

# An attempt that finds every place taken by attempts still being checked waits this long, at
# most, for their outcome (a password check takes well under a second), polling this often.
BUSY_WAIT_SECONDS = 3.0
BUSY_POLL_SECONDS = 0.05
# Then it is refused, to be tried again after this many seconds.
BUSY_RETRY_SECONDS = 5
# A counter untouched for this many windows is deleted (a window later than needed, so that
# no attempt still being checked loses its row).
FORGET_AFTER_WINDOWS = 2


class Paused(Exception):
    """Attempts for this account or from this address are refused for `seconds` more."""

    def __init__(self, seconds: int) -> None:
        super().__init__(seconds)
        self.seconds = seconds


class Busy(Paused):
    """As many attempts are being checked as failures are left: try again in a few seconds."""


def keys_for(username: str, address: str) -> tuple[str, str]:
    """The account's and the address's counter keys: digests, the account's case-insensitive."""
    account = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    where = hashlib.sha256(address.encode()).hexdigest()[:32]
    return f"account:{account}", f"address:{where}"


def _limit(key: str) -> int:
    """Failures allowed: an office behind one NAT address may need more than one account."""
    if key.startswith("address:"):
        return settings.PHONEDASH_LOGIN_ADDRESS_FAILURES
    return settings.PHONEDASH_LOGIN_FAILURES


def _window() -> int:
    return settings.PHONEDASH_LOGIN_LOCKOUT_MINUTES * 60


class Reservation:
    """The places one attempt holds; settle it with `failed()` or `released()`, once."""

    def __init__(self, keys: Iterable[str]) -> None:
        self.keys = tuple(keys)

    def failed(self) -> None:
        """A wrong password: the places become failures, and the limit locks the counter."""
        now = time.time()
        try:
            for key in self.keys:
                rows = LoginCounter.objects.filter(key=key)
                rows.update(
                    pending=Greatest(F("pending") - 1, Value(0)),
                    failures=F("failures") + 1,
                    window_started=Case(
                        When(failures=0, then=Value(now)), default=F("window_started")
                    ),
                )
                limit = _limit(key)
                locked = rows.filter(failures__gte=limit).update(
                    locked_until=now + _window(), failures=0, window_started=now
                )
                if locked:
                    log.warning("login locked after %s failures (%s)", limit, key.split(":")[0])
        except DatabaseError as error:
            # The places stay taken until the window ends: safer than forgetting the failure.
            log.error("login failure not counted: %s", type(error).__name__)

    def released(self) -> None:
        """No wrong password (signed in, or not checked after all): the places go back."""
        try:
            LoginCounter.objects.filter(key__in=self.keys).update(
                pending=Greatest(F("pending") - 1, Value(0))
            )
        except DatabaseError as error:
            log.error("login attempt not released: %s", type(error).__name__)


def reserve(username: str, address: str) -> Reservation:
    """Count an attempt for this account from this address before its password is checked.

    Raises Paused (with the seconds left) while either is locked, Busy when attempts already
    being checked hold every place left for longer than BUSY_WAIT_SECONDS, and DatabaseError
    when the counters cannot be read or written.
    """
    keys = keys_for(username, address)
    give_up = time.monotonic() + BUSY_WAIT_SECONDS
    while True:
        now = time.time()
        taken: list[str] = []
        locked_until = None
        for key in keys:
            locked_until = _take(key, now)
            if locked_until is not None:
                break
            taken.append(key)
        if locked_until is None:
            return Reservation(taken)
        Reservation(taken).released()
        if locked_until > now:
            raise Paused(math.ceil(locked_until - now))
        if time.monotonic() >= give_up:
            raise Busy(BUSY_RETRY_SECONDS)
        time.sleep(BUSY_POLL_SECONDS)


def _take(key: str, now: float, *, created: bool = False) -> float | None:
    """Take a place on this counter: None when taken, else its `locked_until` (in the past
    when it is not locked but every place left is held by attempts being checked)."""
    rows = LoginCounter.objects.filter(key=key)
    # A window that has ended starts afresh (places held by crashed workers go with it).
    rows.filter(window_started__lte=now - _window(), locked_until__lte=now).update(
        failures=0, pending=0, window_started=now
    )
    taken = rows.filter(locked_until__lte=now, failures__lt=_limit(key) - F("pending")).update(
        pending=F("pending") + 1
    )
    if taken:
        return None
    locked_until = rows.values_list("locked_until", flat=True).first()
    if locked_until is not None:
        return locked_until
    if created:  # cannot happen: the row was just made, and nothing deletes a live one
        raise DatabaseError(f"login counter {key.split(':')[0]} vanished")
    _forget_old(now)
    LoginCounter.objects.bulk_create(
        [LoginCounter(key=key, window_started=now)], ignore_conflicts=True
    )
    return _take(key, now, created=True)


def _forget_old(now: float) -> None:
    """Counters whose window and lock are long over count nothing: drop them as new ones come,
    so that guessing at many accounts from many addresses does not grow the table for ever."""
    LoginCounter.objects.filter(
        window_started__lte=now - FORGET_AFTER_WINDOWS * _window(), locked_until__lte=now
    ).delete()
