"""The simulator's state: accounts and their calls, the clock, failure switches and stats.

One lock guards it all, because the HTTP server answers on many threads and tests flip
switches from another. The HTTP layers (`api`, `control`, `server`) hold no state of their own.
"""

from __future__ import annotations

import copy
import math
import random
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from . import recordings, stream, timeline
from .audio import length_for
from .clock import Clock, iso, parse_iso
from .companies import PROFILES, SeedCompany
from .faults import API_PREFIX, Fault
from .fields import FIELD_ORDER, OMIT, direction_of, given, text_of, without_omitted
from .reply import Reply
from .seed import call_fields, recurring, seed_account
from .store import Account, StoredCall

if TYPE_CHECKING:
    from .server import ServerHandle

LIVE_WINDOW = timedelta(days=14)  # stream calls older than this are never created
# The stream's calls an account keeps, newest first: far more than the 50 a list shows or a
# day at the seeded pace, while a demo left at 6000 a minute stays near 40 MB and quick to sort.
STREAM_KEPT = 10_000


@dataclass(frozen=True)
class RecordedRequest:
    """One request the simulator answered. The API key itself is never kept."""

    method: str
    path: str
    query: dict[str, str]
    company: str | None
    at: datetime


class Simulator:
    """A stand-in for the Phone.inc Calls API, with seeded accounts and failure switches."""

    OMIT = OMIT

    def __init__(
        self,
        *,
        recording_ttl: float = 300,
        start: datetime | None = None,
        frozen: bool = False,
    ) -> None:
        self.recording_ttl = recording_ttl
        self.clock = Clock(start, frozen=frozen)
        self._delay = 0.0
        self._lock = threading.RLock()
        self._signer = recordings.Signer()
        self._fault: Fault | None = None
        self._requests: list[RecordedRequest] = []
        self._rng = random.Random("phonedash-simulator-added")
        self.default_root = "http://127.0.0.1"
        self._accounts = {
            key: Account(profile, pace=stream.Pace.seeded(profile, self.clock.start))
            for key, profile in PROFILES.items()
        }
        for account in self._accounts.values():
            for call in seed_account(account.profile, self.clock.start):
                account.add(call)

    # The clock ---------------------------------------------------------------------------

    @property
    def start(self) -> datetime:
        return self.clock.start

    def now(self) -> datetime:
        """Current simulated time (aware, UTC)."""
        return self.clock.now()

    def advance(self, seconds: float) -> datetime:
        """Move simulated time forward: live calls progress, new calls come at the pace set,
        recording links expire."""
        return self.clock.advance(seconds)

    # The stream of new calls ----------------------------------------------------------------

    def set_rate(self, per_minute: float, api_key: str | None = None) -> None:
        """From now on, start `per_minute` new calls a minute, evenly spaced (0 stops them).

        Without `api_key` the pace applies to every company with a stream from the start
        (Acme); with one, to that company alone, stream or not. The calls due at the old
        pace are made first, so a switch never loses or moves them.
        """
        exact = stream.per_minute_of(per_minute)
        with self._lock:
            if api_key is None:
                accounts = [a for a in self._accounts.values() if a.profile.live_every]
            else:
                accounts = [self._account(api_key)]
            now = self.now()
            for account in accounts:
                self._materialise(account, now)
                pace = account.pace
                number = pace.number + 1 if pace else 1
                account.pace = stream.Pace(exact, now, number)

    @property
    def rate(self) -> float:
        """New calls a minute for the companies with a stream from the start (Acme)."""
        with self._lock:
            streaming = [a for a in self._accounts.values() if a.profile.live_every]
            return _per_minute(streaming[0]) if streaming else 0.0

    def rate_for(self, api_key: str) -> float:
        """New calls a minute for one company."""
        with self._lock:
            return _per_minute(self._account(api_key))

    def rates(self) -> dict[str, float]:
        """New calls a minute, by company name."""
        with self._lock:
            return {a.profile.company.name: _per_minute(a) for a in self._accounts.values()}

    # Failure switches --------------------------------------------------------------------

    @property
    def delay(self) -> float:
        """Seconds of latency added to every API answer."""
        return self._delay

    @delay.setter
    def delay(self, seconds: float) -> None:
        if not isinstance(seconds, int | float) or seconds < 0 or math.isnan(seconds):
            raise ValueError("delay must be a number of seconds >= 0")
        self._delay = float(seconds)

    def set_fault(
        self,
        status: int | None = None,
        count: int | None = None,
        retry_after: int | float | None = None,
        delay: float = 0.0,
        malformed: str | None = None,
        paths: str | list[str] | tuple[str, ...] | None = None,
    ) -> None:
        """Make API requests fail (see `faults` for what each switch does)."""
        fault = Fault.build(status, count, retry_after, delay, malformed, paths)
        with self._lock:
            self._fault = fault

    def clear_faults(self) -> None:
        with self._lock:
            self._fault = None

    @property
    def fault(self) -> dict[str, Any] | None:
        with self._lock:
            return self._fault.describe() if self._fault else None

    def take_fault(self, path: str) -> Fault | None:
        """The fault this request gets, if any, counting it against `count`."""
        if not path.startswith(API_PREFIX + "/") and path != API_PREFIX:
            return None
        with self._lock:
            fault = self._fault
            if fault is None or not fault.applies_to(path):
                return None
            if fault.count is not None:
                fault.count -= 1
                if fault.count <= 0:
                    self._fault = None
            return copy.copy(fault)

    # Stats ---------------------------------------------------------------------------------

    def record(self, method: str, path: str, query: dict[str, list[str]], api_key: str | None):
        company = self.company_for(api_key)
        entry = RecordedRequest(
            method=method,
            path=path,
            query={name: values[0] for name, values in query.items()},
            company=company.name if company else None,
            at=self.now(),
        )
        with self._lock:
            self._requests.append(entry)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def request_count(self, path_prefix: str = "/api/") -> int:
        """How many requests arrived under this path ("/recordings/" for recordings)."""
        with self._lock:
            return sum(1 for entry in self._requests if entry.path.startswith(path_prefix))

    def stats(self) -> dict[str, Any]:
        with self._lock:
            by_path = Counter(
                "/recordings/" if entry.path.startswith("/recordings/") else entry.path
                for entry in self._requests
            )
            return {
                "requests": self.request_count("/api/"),
                "recordings": by_path["/recordings/"],
                "by_path": dict(by_path),
                "fault": self.fault,
                "delay": self.delay,
                "now": iso(self.now()),
            }

    def reset_stats(self) -> None:
        with self._lock:
            self._requests.clear()

    # Accounts and calls ---------------------------------------------------------------------

    def company_for(self, api_key: str | None) -> SeedCompany | None:
        account = self._accounts.get(api_key or "")
        return account.profile.company if account else None

    def _account(self, api_key: str) -> Account:
        try:
            return self._accounts[api_key]
        except KeyError:
            raise ValueError("no simulated company has this API key") from None

    def add_call(self, api_key: str, **fields: Any) -> dict[str, Any]:
        """Add a call to a company's account; `fields` override sensible defaults.

        Any vendor field (or unknown extra field) may be given, with any value, so tests can
        inject what a real upstream might send; `from_` stands for `from`, datetimes become
        ISO strings and `OMIT` removes a field. Returns the call as the API shows it now.
        """
        with self._lock:
            account = self._account(api_key)
            now = self.now()
            fields = given(fields)
            default_start = now - timedelta(seconds=150)
            started = parse_iso(fields["started_at"]) if "started_at" in fields else default_start
            base = call_fields(
                account.profile,
                self._rng,
                started=started,
                direction=direction_of(fields.get("direction")),
                state=text_of(fields.get("state", "ended")),
                duration=120,
            )
            base.update(fields)
            call = account.add(StoredCall(without_omitted(base)))
            return copy.deepcopy(self._render(call, now, self.default_root))

    def add_live_call(self, api_key: str, **fields: Any) -> dict[str, Any]:
        """Add a call that starts now (or at `started_at`) and walks the live timeline.

        Other fields override defaults as in `add_call`; state, times, duration, summary and
        transcript follow the timeline (given values appear when the timeline reaches them).
        """
        with self._lock:
            account = self._account(api_key)
            now = self.now()
            fields = given(fields)
            started = parse_iso(fields.pop("started_at", None)) or now
            fields.pop("state", None)
            base = call_fields(
                account.profile,
                self._rng,
                started=started,
                direction=direction_of(fields.get("direction")),
                duration=timeline.DURATION,
            )
            base.update(fields)
            call = account.add(StoredCall(without_omitted(base), live_start=started))
            return copy.deepcopy(self._render(call, now, self.default_root))

    def calls_for(
        self,
        api_key: str,
        root: str,
        keep: Callable[[dict[str, Any]], bool] | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """The calls the account shows right now, newest first, as the vendor renders them.

        `keep` filters on the call as shown (state as of now); recording links are minted
        only for the calls returned.
        """
        with self._lock:
            account = self._account(api_key)
            now = self.now()
            self._materialise(account, now)
            chosen = []
            for call in sorted(account.calls.values(), key=StoredCall.sort_key, reverse=True):
                if call.live_start is not None and call.live_start > now:
                    continue  # not started yet
                view = self._view(call, now)
                if keep is None or keep(view):
                    chosen.append((call, view))
                    if limit is not None and len(chosen) >= limit:
                        break
            return [self._finish(call, view, now, root) for call, view in chosen]

    def call_for(self, api_key: str, call_id: str, root: str) -> dict[str, Any] | None:
        with self._lock:
            account = self._account(api_key)
            now = self.now()
            self._materialise(account, now)
            call = account.calls.get(call_id)
            if call is None or (call.live_start is not None and call.live_start > now):
                return None
            return self._render(call, now, root)

    def recording(self, token: str, range_header: str | None) -> Reply:
        return recordings.serve(self._signer, token, self.now(), range_header)

    def _materialise(self, account: Account, now: datetime) -> None:
        """Create the stream's calls that are due (lazily, on read), then forget the oldest
        beyond `STREAM_KEPT`. Pace 0 is the seeded stream of recurring live calls."""
        pace = account.pace
        if pace is None or not pace.per_minute:
            return
        last = pace.due(now)
        first = max(pace.made + 1, pace.first_from(now - LIVE_WINDOW), last - STREAM_KEPT + 1)
        for k in range(first, last + 1):
            if pace.number == 0:
                call = recurring(account.profile, k, self.clock.start)
            else:
                call = stream.new_call(account.profile, pace, k)
            account.add(call)
            account.streamed.append(call.id)
        pace.made = max(pace.made, last)
        while len(account.streamed) > STREAM_KEPT:
            account.calls.pop(account.streamed.popleft(), None)

    def _render(self, call: StoredCall, now: datetime, root: str) -> dict[str, Any]:
        return self._finish(call, self._view(call, now), now, root)

    def _view(self, call: StoredCall, now: datetime) -> dict[str, Any]:
        if call.live_start:
            return timeline.view_at(call.fields, call.live_start, now, call.flow)
        return dict(call.fields)

    def _finish(
        self, call: StoredCall, view: dict[str, Any], now: datetime, root: str
    ) -> dict[str, Any]:
        """Mint the recording link (unless the call holds its own) and order the fields."""
        if "recording_url" not in call.fields:
            ended = view.get("state") == "ended"
            view["recording_url"] = (
                self._mint(view, now, root) if call.recording and ended else None
            )
        ordered = {name: view[name] for name in FIELD_ORDER if name in view}
        ordered.update((name, value) for name, value in view.items() if name not in ordered)
        return ordered

    def _mint(self, view: dict[str, Any], now: datetime, root: str) -> str:
        expires = now + timedelta(seconds=self.recording_ttl)
        token = self._signer.mint(str(view.get("id")), length_for(view.get("duration")), expires)
        return root + recordings.recording_path(token)

    # Serving ------------------------------------------------------------------------------

    def serve(self, host: str = "127.0.0.1", port: int = 0, *, quiet: bool = True) -> ServerHandle:
        """Listen on host:port in a daemon thread; the handle knows the URLs and stops it."""
        from .server import start_server

        handle = start_server(self, host, port, quiet=quiet)
        if self.default_root == "http://127.0.0.1":
            self.default_root = handle.root
        return handle


def _per_minute(account: Account) -> float:
    return float(account.pace.per_minute) if account.pace else 0.0
