"""Missed calls and their callbacks: was each missed caller called back, how fast, by whom.

Pure functions over Call records and notes (any object with `pk`, `call_id`, `marks_handled`
and `created_at`, such as calls.models.Note): no requests, no database, so the rules read and
test on their own. The rules:

- A *missed call* is inbound, ended and never answered (`Call.is_missed`).
- It is *returned* by the first call that started after it (strictly: a call in the same
  second cannot be told to have come later) with the same remote number, read as E.164 in the
  company's region, in either direction, that was answered. Its *time to return* runs from its
  start to that call's start; it was *returned by* that call's employees, or whoever placed it.
- It is *handled* when returned, or when a note marking it handled was left on it or on a later
  missed call from the same number (marking the latest call handles the caller's earlier ones).
- A withheld number cannot be called back: such a call can only be marked handled.

Later calls come in windows: lists that hold every call started after some moment. A missed
call older than every window it could be read from is *checking* (its number is to be looked
up), or *unchecked* when that lookup failed. Missed calls from one number with the same outcome
make one row: open rows first, longest waiting first; then handled rows, latest first.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from calls.phoneinc import E164_RE, Call
from calls.sources.returns import first_return, number_key

SHOWN_ON_BOARD = 3  # notes a row shows, the latest; the call's page has the rest

COULD_NOT_CHECK = "Phone.inc could not be asked about this number's later calls just now."
TOO_MANY_LATER = "This number has called too often since to tell which call returned it."
NOT_SEARCHABLE = "Phone.inc cannot be asked about this number."
NO_START = "Phone.inc gives no time for this call."


class Status(enum.StrEnum):
    OPEN = "open"
    CHECKING = "checking"  # older than the recent list: its number's later calls are to come
    UNCHECKED = "unchecked"  # those could not be read
    RETURNED = "returned"
    HANDLED = "handled"  # marked handled with a note


NEEDS_ATTENTION = frozenset({Status.OPEN, Status.CHECKING, Status.UNCHECKED})


def is_searchable(key: str) -> bool:
    """Whether Phone.inc's phone_number filter can be asked for this key (E.164 only)."""
    return E164_RE.fullmatch(key) is not None


@dataclass(frozen=True, slots=True)
class Window:
    """Calls from one list, and from when on it holds every call: a list shorter than its
    limit holds them all; a full one, every call that started after its oldest."""

    calls: tuple[Call, ...]
    complete: bool = True
    since: datetime | None = None

    @classmethod
    def of(cls, listed: Sequence[Call], limit: int, *, shown: Iterable[Call] | None = None):
        """The window of a list of at most `limit` calls; `shown`: the ones to match against
        (the member's scope), when not all of them."""
        calls = tuple(listed if shown is None else shown)
        if len(listed) < limit:
            return cls(calls)
        starts = [call.started_at for call in listed if call.started_at is not None]
        return cls(calls, complete=False, since=min(starts) if starts else None)

    def covers(self, moment: datetime) -> bool:
        """Whether every call started after `moment` is in this window."""
        if self.complete:
            return True
        return self.since is not None and moment >= self.since


def returned_by(call: Call) -> tuple[str, ...]:
    """Who made the returning call: its employees, or whoever placed it."""
    names = tuple(employee.name for employee in call.employees if employee.name)
    if names:
        return names
    if call.initiated_by is not None and call.initiated_by.name:
        return (call.initiated_by.name,)
    return ()


# --- Outcomes ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    status: Status
    by: Call | None = None  # the returning call
    note: Any = None  # the note that marked it handled
    reason: str = ""  # why it could not be checked

    @property
    def group(self) -> tuple[str, str]:
        """Missed calls from one number with the same group make one row."""
        if self.by is not None:
            return self.status.value, self.by.id
        if self.note is not None:
            return self.status.value, str(self.note.pk)
        return self.status.value, self.reason


def outcome(
    missed: Call,
    key: str | None,
    region: str,
    *,
    recent: Window | None,
    lookup: Window | None = None,
    failed: bool = False,
) -> Outcome:
    """Whether `missed` was returned, read from the first window that covers it: `recent`
    (None: it could not be read), then its number's `lookup`; `failed`: that lookup failed."""
    if key is None:
        return Outcome(Status.OPEN)
    if missed.started_at is None:
        return Outcome(Status.UNCHECKED, reason=NO_START)
    for window in (recent, lookup):
        if window is not None and window.covers(missed.started_at):
            by = first_return(missed, window.calls, region)
            return Outcome(Status.RETURNED, by=by) if by else Outcome(Status.OPEN)
    if failed or recent is None:
        return Outcome(Status.UNCHECKED, reason=COULD_NOT_CHECK)
    if not is_searchable(key):
        return Outcome(Status.UNCHECKED, reason=NOT_SEARCHABLE)
    if lookup is not None:  # looked up, and still not far back enough
        return Outcome(Status.UNCHECKED, reason=TOO_MANY_LATER)
    return Outcome(Status.CHECKING)


def _with_notes(calls: Sequence[Call], outcomes: list[Outcome], notes_on: Mapping) -> None:
    """Mark handled the calls a note covers: notes on a call handle it and the same number's
    earlier missed calls that were not returned (calls oldest first, changed in place)."""
    handling = None
    for index in range(len(calls) - 1, -1, -1):
        marking = [note for note in notes_on.get(calls[index].id, ()) if note.marks_handled]
        if marking:
            handling = min(marking, key=lambda note: (note.created_at, note.pk))
        if outcomes[index].status is Status.RETURNED:
            continue
        if handling is not None:
            outcomes[index] = Outcome(Status.HANDLED, note=handling)


# --- Rows and the board --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    """Missed calls from one number that share an outcome, oldest first."""

    key: str | None
    calls: tuple[Call, ...]
    outcome: Outcome
    notes: tuple[Any, ...] = ()

    @property
    def status(self) -> Status:
        return self.outcome.status

    @property
    def latest_notes(self) -> tuple[Any, ...]:
        """The notes a row shows: its latest few (SHOWN_ON_BOARD), oldest of them first."""
        return tuple(sorted(self.notes, key=lambda note: (note.created_at, note.pk)))[
            -SHOWN_ON_BOARD:
        ]

    @property
    def first(self) -> Call:
        return self.calls[0]

    @property
    def latest(self) -> Call:
        return self.calls[-1]

    @property
    def count(self) -> int:
        return len(self.calls)

    @property
    def needs_attention(self) -> bool:
        return self.status in NEEDS_ATTENTION

    @property
    def is_withheld(self) -> bool:
        return self.key is None

    @property
    def returned_by(self) -> tuple[str, ...]:
        return returned_by(self.outcome.by) if self.outcome.by else ()

    @property
    def time_to_return(self) -> timedelta | None:
        """From the row's first missed call (the caller's longest wait) to the return."""
        by = self.outcome.by
        if by is None or by.started_at is None or self.first.started_at is None:
            return None
        return by.started_at - self.first.started_at

    @property
    def handled_at(self) -> datetime | None:
        if self.outcome.by is not None:
            return self.outcome.by.started_at
        if self.outcome.note is not None:
            return self.outcome.note.created_at
        return None


@dataclass(frozen=True, slots=True)
class Board:
    rows: tuple[Row, ...]
    # E.164 numbers whose missed calls are older than the recent list: to be looked up.
    to_check: tuple[str, ...] = ()

    @property
    def open_rows(self) -> tuple[Row, ...]:
        return tuple(row for row in self.rows if row.needs_attention)

    @property
    def checking_rows(self) -> tuple[Row, ...]:
        """Open rows still to be checked against their numbers' later calls."""
        return tuple(row for row in self.rows if row.status is Status.CHECKING)

    @property
    def settled_open_rows(self) -> tuple[Row, ...]:
        """Rows that need attention, those still to be checked aside: each is where it stays."""
        return tuple(row for row in self.open_rows if row.status is not Status.CHECKING)

    @property
    def handled_rows(self) -> tuple[Row, ...]:
        return tuple(row for row in self.rows if not row.needs_attention)

    @property
    def open_count(self) -> int:
        return len(self.open_rows)

    @property
    def is_checking(self) -> bool:
        return any(row.status is Status.CHECKING for row in self.rows)


def _started_order(call: Call) -> tuple[bool, float, str]:
    started = call.started_at
    return (started is None, started.timestamp() if started else 0.0, call.id)


def _waiting_order(row: Row) -> tuple[bool, float, str]:
    return _started_order(row.first)


def _handled_order(row: Row) -> float:
    moment = row.handled_at
    return -moment.timestamp() if moment else 0.0


def build(
    missed: Iterable[Call],
    *,
    recent: Window | None,
    lookups: Mapping[str, Window | None] | None = None,
    notes: Iterable[Any] = (),
    region: str = "US",
) -> Board:
    """The board of `missed` calls (others are ignored), matched against the `recent` window
    (None: it could not be read) and the per-number `lookups` (a number's Window, or None when
    its lookup failed; absent: not looked up yet), with the notes left on those calls."""
    lookups = lookups or {}
    notes_on: dict[str, list[Any]] = defaultdict(list)
    for note in notes:
        notes_on[note.call_id].append(note)
    by_number: dict[str | None, list[Call]] = defaultdict(list)
    for call in missed:
        if call.is_missed:
            by_number[number_key(call, region)].append(call)
    rows: list[Row] = []
    to_check: set[str] = set()
    # Each number's calls matched against its own later calls only: a board of thousands of
    # missed calls (a period of the history) reads each later call once, not once per row.
    recent_of = _per_number(recent, region)
    for key, calls in by_number.items():
        calls.sort(key=_started_order)
        if key is None:  # withheld: every call is someone else, as far as anyone can tell
            for call in calls:
                outcomes = [Outcome(Status.OPEN)]
                _with_notes([call], outcomes, notes_on)
                rows.append(Row(None, (call,), outcomes[0], tuple(notes_on.get(call.id, ()))))
            continue
        lookup, failed = lookups.get(key), key in lookups and lookups[key] is None
        narrowed = recent_of(key)
        outcomes = [
            outcome(call, key, region, recent=narrowed, lookup=lookup, failed=failed)
            for call in calls
        ]
        _with_notes(calls, outcomes, notes_on)
        if any(item.status is Status.CHECKING for item in outcomes):
            to_check.add(key)
        rows.extend(_grouped(key, calls, outcomes, notes_on))
    attention = sorted((row for row in rows if row.needs_attention), key=_waiting_order)
    handled = sorted((row for row in rows if not row.needs_attention), key=_handled_order)
    return Board(rows=(*attention, *handled), to_check=tuple(sorted(to_check)))


def _per_number(window: Window | None, region: str):
    """A function giving `window` narrowed to one number's calls (None stays None)."""
    if window is None:
        return lambda key: None
    calls: dict[str | None, list[Call]] = defaultdict(list)
    for call in window.calls:
        calls[number_key(call, region)].append(call)
    return lambda key: replace(window, calls=tuple(calls.get(key, ())))


def _grouped(
    key: str, calls: Sequence[Call], outcomes: Sequence[Outcome], notes_on: Mapping
) -> list[Row]:
    """Consecutive calls with the same outcome as one row each."""
    rows: list[Row] = []
    start = 0
    for index in range(1, len(calls) + 1):
        if index < len(calls) and outcomes[index].group == outcomes[start].group:
            continue
        group = tuple(calls[start:index])
        row_notes = tuple(note for call in group for note in notes_on.get(call.id, ()))
        rows.append(Row(key, group, outcomes[start], row_notes))
        start = index
    return rows


def only_open(board: Board) -> Board:
    """The same board with its handled rows left out."""
    return Board(board.open_rows, board.to_check)
