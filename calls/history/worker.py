"""The sync worker: claims companies one at a time, passes over each, hands it back.

As many workers as you like, on as many hosts as share the database, share the companies
through leases, as Healthchecks' `sendalerts` shares its checks: a worker claims a due company
with one atomic conditional UPDATE (it wins only if no other worker holds it), so a company is
synced by at most one worker at a time, and a worker that dies loses its leases after
PHONEDASH_SYNC_LEASE seconds, when another takes over. Each company is due every
PHONEDASH_SYNC_SECONDS, each at its own phase of the interval, so that a thousand companies
do not all ask Phone.inc at the same second.

Phone.inc failing never ends a worker: a 429 delays that company by its Retry-After; 5xx,
timeouts and unreadable answers back off (from the interval, doubling, up to 5 minutes); a
refused key is tried again every 10 minutes, or at once when the key is replaced. A database
that goes away is waited for: nothing of the pass in hand was stored, and the lease is taken
up again when it comes back.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, DataError, IntegrityError, close_old_connections, connection
from django.db.models import Q
from django.utils import timezone

from calls import phoneinc
from calls.history import retention, sync
from calls.models import Company, SyncState
from calls.sources.window import client_for

log = logging.getLogger("phonedash.sync")

MAX_BACKOFF = timedelta(minutes=5)
REFUSED_RETRY = timedelta(minutes=10)
CANDIDATES = 20  # due companies read at once, to claim the first one no other worker took
IDLE_SLEEP = 1.0  # seconds between looks when nothing is due
# The pass's own Phone.inc budget: well inside the lease, so a pass ends long before another
# worker could take its company over.
PASS_SHARE_OF_LEASE = 0.5
DATABASE_RETRY = (1, 2, 5, 10, 30)  # seconds between tries while the database is away
# One Phone.inc request of a pass may take this long, retries included: a worker told to stop
# finishes the request in hand and exits within 10 s.
REQUEST_BUDGET = 7.0
PURGE_LOOK_EVERY = 60.0  # seconds between looks for companies due a purge


def key_digest(company: Company) -> str:
    return hashlib.sha256(company.api_key_encrypted.encode()).hexdigest()[:32]


def phase(company_id: int, interval: float) -> float:
    """Where in each interval the company is due: spread evenly (golden ratio) by id."""
    return (company_id * 0.6180339887) % 1.0 * interval


def enable(company: Company) -> SyncState:
    """The company's place in the sync, made when its history is turned on: due at its phase."""
    interval = settings.PHONEDASH_SYNC_SECONDS
    due = timezone.now() + timedelta(seconds=phase(company.pk, interval))
    state, _ = SyncState.objects.get_or_create(company=company, defaults={"due_at": due})
    return state


class StoreRefused(phoneinc.PhoneIncError):
    """The database refused to store what a pass read (a value it cannot hold)."""

    title = "Calls could not be stored"
    default_message = (
        "The database refused to store some of the calls Phone.inc gave; phonedash tries "
        "again later. The log names the error."
    )


class Worker:
    """One `synccalls` process. `once`: pass over every company with history on that no other
    worker holds, then stop; `company`: that one only."""

    def __init__(
        self,
        *,
        once: bool = False,
        company: Company | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.once = once
        self.company = company
        self.sleep = sleep
        self.holder = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.stopping = False
        self.passes = 0
        self._purge_looked = -PURGE_LOOK_EVERY
        self._candidates: list[SyncState] = []  # due companies read, to claim in turn

    @property
    def interval(self) -> timedelta:
        return timedelta(seconds=settings.PHONEDASH_SYNC_SECONDS)

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=settings.PHONEDASH_SYNC_LEASE)

    def stop(self, *args: object) -> None:
        """Finish the company in hand, then stop (SIGTERM, SIGINT)."""
        self.stopping = True

    def run(self) -> int:
        """Sync until stopped (or, with `once`, until every company had its pass); the passes."""
        waits = iter(())
        done: set[int] = set()
        while not self.stopping:
            try:
                if not self.once and time.monotonic() - self._purge_looked >= PURGE_LOOK_EVERY:
                    self._purge_looked = time.monotonic()
                    retention.purge_if_due()
                state = self.claim(done)
                waits = iter(DATABASE_RETRY)
            except DatabaseError as error:
                state = None
                self._database_away(error, waits)
                continue
            if state is None:
                if self.once:
                    break
                self._idle()
                continue
            done.add(state.pk)
            self.sync(state)
        return self.passes

    def claim(self, done: set[int]) -> SyncState | None:
        """A company this worker now holds, or None when none is due (with `once`: none left).

        Due companies are read a few at a time and claimed in turn, each with one conditional
        UPDATE: it wins only while the company is still as due as it was read and no other
        worker holds it."""
        now = timezone.now()
        if not self._candidates:
            free = Q(lease_until__isnull=True) | Q(lease_until__lt=now) | Q(holder=self.holder)
            states = SyncState.objects.filter(free, company__history__in=Company.KEEPING)
            if self.company is not None:
                states = states.filter(company=self.company)
            if self.once:
                states = states.exclude(pk__in=done).order_by("pk")
            else:
                states = states.filter(due_at__lte=now).order_by("due_at")
            self._candidates = list(states.select_related("company")[:CANDIDATES])
        while self._candidates:
            state = self._candidates.pop(0)
            # Still as due as it was read (a company another worker passed over meanwhile is due
            # later, and is not passed over twice) and held by no other worker.
            claimed = (
                SyncState.objects.filter(pk=state.pk, due_at=state.due_at)
                .filter(
                    Q(lease_until__isnull=True) | Q(lease_until__lt=now) | Q(holder=self.holder)
                )
                .update(holder=self.holder, lease_until=now + self.lease)
            )
            if claimed:
                state.holder, state.lease_until = self.holder, now + self.lease
                return state
        return None

    def sync(self, state: SyncState) -> None:
        """One pass over the claimed company, then hand it back, due again in an interval (or
        later, after a failure)."""
        company = state.company
        outcome, error = None, None
        budget = settings.PHONEDASH_SYNC_LEASE * PASS_SHARE_OF_LEASE
        passed = self._passed(state)
        try:
            client = client_for(company, total_timeout=REQUEST_BUDGET)
            with phoneinc.request_deadline(budget):
                outcome = sync.run(
                    state, client, self.holder, hand_back=passed, stopping=lambda: self.stopping
                )
        except phoneinc.PhoneIncError as failure:
            error = failure
        except sync.Interrupted:
            SyncState.objects.filter(pk=state.pk, holder=self.holder).update(
                holder="", lease_until=None
            )
            return
        except sync.LeaseLost as lost:
            log.warning("%s", lost)
            return
        except (DataError, IntegrityError) as failure:
            # The database is there but refused what the pass would store: the pass stored
            # nothing and is failed like one Phone.inc failed, due again after a backoff and
            # said in --status, rather than taken up again and again as if the database were away.
            log.error(
                "company %s: the pass could not store its calls: %s",
                company.pk,
                type(failure).__name__,
            )
            error = StoreRefused()
        except DatabaseError as failure:
            log.warning(
                "company %s: database unavailable during a pass: %s",
                company.pk,
                type(failure).__name__,
            )
            close_old_connections()
            connection.close()
            return  # nothing stored; the lease is taken up again once the database is back
        self.passes += 1
        if error is None:
            log.info("%s", outcome.line())
        if error is None and not outcome.quiet:
            return  # handed back with what it stored
        try:
            self._hand_back(state, passed if error is None else self._failed(state, error))
        except DatabaseError:
            connection.close()

    def _passed(self, state: SyncState) -> dict[str, object]:
        """How a company is handed back after a good pass: due an interval on, no error."""
        now = timezone.now()
        return {
            "holder": "",
            "lease_until": None,
            "due_at": _next_due(state.due_at, now, self.interval),
            "last_pass_at": now,
            "last_error": "",
            "failures": 0,
            "refused_key": "",
        }

    def _failed(self, state: SyncState, error: phoneinc.PhoneIncError) -> dict[str, object]:
        """How a company is handed back after Phone.inc failed it: due again later."""
        now = timezone.now()
        interval = self.interval
        log.warning("company %s: pass failed: %s (%s)", state.pk, error.title, error.detail)
        fields: dict[str, object] = {
            "holder": "",
            "lease_until": None,
            "last_error": error.message[:300],
        }
        if isinstance(error, phoneinc.InvalidKey):
            fields.update(due_at=now + REFUSED_RETRY, refused_key=key_digest(state.company))
        elif isinstance(error, phoneinc.RateLimited):
            fields["due_at"] = now + timedelta(seconds=max(1, error.retry_after))
        else:
            failures = state.failures + 1
            backoff = min(MAX_BACKOFF, interval * 2 ** (failures - 1))
            fields.update(due_at=now + backoff, failures=failures)
        return fields

    def _hand_back(self, state: SyncState, fields: dict[str, object]) -> None:
        SyncState.objects.filter(pk=state.pk, holder=self.holder).update(**fields)

    def _idle(self) -> None:
        """Nothing due: wait for the next company, a second at most, waking to a stop."""
        self.sleep(IDLE_SLEEP)

    def _database_away(self, error: DatabaseError, waits) -> None:
        wait = next(waits, DATABASE_RETRY[-1])
        log.warning("database unavailable (%s); trying again in %ss", type(error).__name__, wait)
        connection.close()
        slept = 0.0
        while slept < wait and not self.stopping:
            self.sleep(min(1.0, wait - slept))
            slept += 1.0


def _next_due(due: datetime, now: datetime, interval: timedelta) -> datetime:
    """The next time in the company's rhythm: an interval after it was due, or, if a worker
    fell behind by more than that, an interval from now (no burst of catching up)."""
    following = due + interval
    return following if following > now else now + interval
