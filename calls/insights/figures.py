"""The insights page's figures: per employee, per line, and the window they cover.

Pure functions over the Call records a page shows (the list's answer, in the member's scope):
no Django, no Phone.inc, so every figure can be checked against one worked out by hand.
Phone.inc sends nulls and values it does not document; every figure here copes with a call
that has no start time, no duration, no line, no employees or an unknown state, and none
divides by zero (a figure with nothing to count is None, which the page shows as "—").
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from calls.phoneinc import Call, Employee

UNNAMED = "Unnamed employee"
NO_LINE = "No line"

# --------------------------------------------------------------------------------------------
# The window


@dataclass(frozen=True, slots=True)
class Window:
    """What the figures cover: how many calls, and the first and last start among them."""

    count: int
    first: datetime | None
    last: datetime | None
    undated: int  # calls without a start time: counted, but in no chart bar


def window(calls: Sequence[Call]) -> Window:
    started = [call.started_at for call in calls if call.started_at is not None]
    return Window(
        count=len(calls),
        first=min(started, default=None),
        last=max(started, default=None),
        undated=len(calls) - len(started),
    )


def moment_label(moment: datetime, zone: tzinfo, now: datetime) -> str:
    """A start time as the window's sentence reads it, in the company's zone: "Mon 09:12"
    within the last week, with the date further back ("Mon 3 Mar 09:12", and the year when
    it is not this one)."""
    local, local_now = moment.astimezone(zone), now.astimezone(zone)
    if 0 <= (local_now.date() - local.date()).days < 7:
        return local.strftime("%a %H:%M")
    if local.year == local_now.year:
        return local.strftime("%a %-d %b %H:%M")
    return local.strftime("%a %-d %b %Y %H:%M")


# --------------------------------------------------------------------------------------------
# Per employee


@dataclass(frozen=True, slots=True)
class EmployeeFigures:
    """One employee's part in the window's calls.

    `talk_total` and `talk_average` count the `duration` of their ended calls that have one
    (a zero-length call included); `word_share` is the share of the words in their transcribed
    calls that they spoke, None when none of their calls has a transcript at hand.
    """

    key: str
    name: str
    calls: int
    inbound: int
    outbound: int
    answered: int
    talk_total: int
    talk_average: int | None
    word_share: float | None


@dataclass(slots=True)
class _Tally:
    name: str
    calls: int = 0
    inbound: int = 0
    outbound: int = 0
    answered: int = 0
    timed: int = 0
    talk_total: int = 0
    spoken: int = 0
    heard: int = 0  # all words in their transcribed calls, theirs included

    def figures(self, key: str) -> EmployeeFigures:
        return EmployeeFigures(
            key=key,
            name=self.name or UNNAMED,
            calls=self.calls,
            inbound=self.inbound,
            outbound=self.outbound,
            answered=self.answered,
            talk_total=self.talk_total,
            talk_average=round(self.talk_total / self.timed) if self.timed else None,
            word_share=self.spoken / self.heard if self.heard else None,
        )


def employee_key(employee: Employee) -> str:
    """Who an employee is across calls: their id, or their name when Phone.inc sent no id."""
    return employee.id or f"name:{employee.name}"


def participants(call: Call) -> dict[str, Employee]:
    """Everyone of the company on the call, once each: its employees and who placed it."""
    people = [*call.employees, *([call.initiated_by] if call.initiated_by else [])]
    found: dict[str, Employee] = {}
    for employee in people:
        found.setdefault(employee_key(employee), employee)
    return found


def _words(call: Call) -> tuple[int, dict[str, int]] | None:
    """All words spoken in the call and each employee's (by id), or None: no transcript."""
    if not call.segments:
        return None
    total, by_employee = 0, {}
    for segment in call.segments:
        count = len(segment.text.split())
        total += count
        if segment.employee_id:
            by_employee[segment.employee_id] = by_employee.get(segment.employee_id, 0) + count
    return total, by_employee


def per_employee(calls: Iterable[Call], *, words: bool = True) -> list[EmployeeFigures]:
    """Figures for every employee named on a call, most calls first (then by name).

    `words=False` leaves word shares out: a member who may not read transcripts does not get
    what is read from them either.
    """
    tallies: dict[str, _Tally] = {}
    for call in calls:
        spoken = _words(call) if words else None
        for key, employee in participants(call).items():
            tally = tallies.setdefault(key, _Tally(employee.name))
            tally.name = tally.name or employee.name  # newest first: the latest name wins
            tally.calls += 1
            tally.inbound += call.direction == "inbound"
            tally.outbound += call.direction == "outbound"
            tally.answered += call.answered_at is not None
            if call.is_ended and call.duration is not None:
                tally.timed += 1
                tally.talk_total += max(0, call.duration)
            if spoken is not None and employee.id:
                total, by_employee = spoken
                tally.heard += total
                tally.spoken += by_employee.get(employee.id, 0)
    return sort_employees([tally.figures(key) for key, tally in tallies.items()])


# The employee table's columns as ?sort= names them, and the order each starts in.
EMPLOYEE_SORTS: dict[str, str] = {
    "name": "asc",
    "calls": "desc",
    "inbound": "desc",
    "outbound": "desc",
    "answered": "desc",
    "talk_total": "desc",
    "talk_average": "desc",
    "word_share": "desc",
}
DEFAULT_SORT = "calls"
ORDERS = ("asc", "desc")


def sort_employees(
    rows: Iterable[EmployeeFigures], sort: str = DEFAULT_SORT, order: str | None = None
) -> list[EmployeeFigures]:
    """Rows by one column (a name in EMPLOYEE_SORTS), ties by name; rows without a value
    for it (no talk time, no transcript) come last in either order."""
    if sort not in EMPLOYEE_SORTS:
        raise ValueError(f"unknown sort {sort!r}")
    descending = (order or EMPLOYEE_SORTS[sort]) == "desc"
    by_name = sorted(rows, key=lambda row: (row.name.casefold(), row.key))
    if sort == "name":
        return by_name[::-1] if descending else by_name

    def value(row: EmployeeFigures):
        return getattr(row, sort)

    known = [row for row in by_name if value(row) is not None]
    unknown = [row for row in by_name if value(row) is None]
    # sorted() is stable with reverse=True too: equal values keep their order by name.
    return sorted(known, key=value, reverse=descending) + unknown


# --------------------------------------------------------------------------------------------
# Per line


@dataclass(frozen=True, slots=True)
class LineFigures:
    """One line (a main number): its calls, how many inbound ones were missed, how fast the
    answered ones were picked up (median seconds) and how long its ended calls lasted."""

    name: str
    number: str | None
    calls: int
    inbound: int
    missed: int
    missed_share: float | None  # of its inbound calls; None without inbound calls
    median_answer: float | None
    average_duration: int | None


@dataclass(slots=True)
class _LineTally:
    name: str
    number: str | None
    calls: int = 0
    inbound: int = 0
    missed: int = 0
    waits: list[float] = field(default_factory=list)
    durations: list[int] = field(default_factory=list)

    def figures(self) -> LineFigures:
        return LineFigures(
            name=self.name or NO_LINE,
            number=self.number,
            calls=self.calls,
            inbound=self.inbound,
            missed=self.missed,
            missed_share=self.missed / self.inbound if self.inbound else None,
            median_answer=statistics.median(self.waits) if self.waits else None,
            average_duration=round(sum(self.durations) / len(self.durations))
            if self.durations
            else None,
        )


def time_to_answer(call: Call) -> float | None:
    """Seconds from start to answer of an answered inbound call (None otherwise, and for
    an answer stamped before the start, which no clock skew makes a wait)."""
    if call.direction != "inbound" or call.started_at is None or call.answered_at is None:
        return None
    seconds = (call.answered_at - call.started_at).total_seconds()
    return seconds if seconds >= 0 else None


def per_line(calls: Iterable[Call]) -> list[LineFigures]:
    """Figures for every line the calls came in on or went out from, most calls first."""
    tallies: dict[str, _LineTally] = {}
    for call in calls:
        key = call.main_number or f"name:{call.main_number_name or ''}"
        tally = tallies.setdefault(key, _LineTally(call.main_number_name or "", call.main_number))
        tally.name = tally.name or call.main_number_name or ""
        tally.calls += 1
        tally.inbound += call.direction == "inbound"
        tally.missed += call.is_missed
        wait = time_to_answer(call)
        if wait is not None:
            tally.waits.append(wait)
        if call.is_ended and call.duration is not None:
            tally.durations.append(max(0, call.duration))
    lines = [tally.figures() for tally in tallies.values()]
    return sorted(lines, key=lambda line: (-line.calls, line.name.casefold(), line.number or ""))


# --------------------------------------------------------------------------------------------
# At a glance


def busiest_employee(rows: Sequence[EmployeeFigures]) -> EmployeeFigures | None:
    """Who took part in the most calls (ties: first by name)."""
    return sort_employees(rows)[0] if rows else None


def most_missing_line(lines: Sequence[LineFigures]) -> LineFigures | None:
    """The line that missed the most calls, by count and then by share; None if none missed."""
    missing = [line for line in lines if line.missed]
    return max(missing, key=lambda line: (line.missed, line.missed_share or 0), default=None)
