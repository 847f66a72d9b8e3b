"""The insights page's figures: per employee, per line, and the window they cover.

Pure functions over the Call records a page shows (the list's answer, in the member's scope):
no Django, no Phone.inc, so every figure can be checked against one worked out by hand.
Phone.inc sends nulls and values it does not document; every figure here copes with a call
that has no start time, no duration, no line, no employees or an unknown state, and none
divides by zero (a figure with nothing to count is None, which the page shows as "—").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from calls.phoneinc import Call
from calls.sources.tallies import (
    NO_LINE,
    UNNAMED,
    LineTally,
    PersonTally,
    Tallies,
    answer_wait,
    median,
    of_calls,
    percentile,
)

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
    """One employee's part in the calls.

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


def employee_figures(key: str, tally: PersonTally, *, words: bool) -> EmployeeFigures:
    return EmployeeFigures(
        key=key,
        name=tally.name or UNNAMED,
        calls=tally.calls,
        inbound=tally.inbound,
        outbound=tally.outbound,
        answered=tally.answered,
        talk_total=tally.talk_total,
        talk_average=round(tally.talk_total / tally.timed) if tally.timed else None,
        word_share=tally.spoken / tally.heard if words and tally.heard else None,
    )


def employees_of(tallies: Tallies, *, words: bool = True) -> list[EmployeeFigures]:
    """Figures for every employee named on a call, most calls first (then by name).

    `words=False` leaves word shares out: a member who may not read transcripts does not get
    what is read from them either."""
    rows = [employee_figures(key, t, words=words) for key, t in tallies.people.items()]
    return sort_employees(rows)


def per_employee(calls: Iterable[Call], *, words: bool = True) -> list[EmployeeFigures]:
    """employees_of() the calls, their transcripts' words counted."""
    return employees_of(counted(calls, words=words), words=words)


def counted(calls: Iterable[Call], *, words: bool = True, region: str = "US") -> Tallies:
    """The calls' tallies, with the words of those that carry a transcript."""
    return of_calls(calls, region, UTC, words=words)


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
    answered ones were picked up (median seconds), how long its ended calls lasted, and how
    many missed calls were returned and how fast."""

    name: str
    number: str | None
    calls: int
    inbound: int
    missed: int
    missed_share: float | None  # of its inbound calls; None without inbound calls
    median_answer: float | None
    average_duration: int | None
    returned_share: float | None = None  # of its missed calls
    returned_hour_share: float | None = None
    median_return: float | None = None
    p90_return: float | None = None


def line_figures(key: str, tally: LineTally) -> LineFigures:
    returns = sorted(tally.return_waits)  # sorted once: each percentile's sort is then one pass
    return LineFigures(
        name=tally.name or NO_LINE,
        number=None if key.startswith("name:") else key,
        calls=tally.calls,
        inbound=tally.inbound,
        missed=tally.missed,
        missed_share=tally.missed / tally.inbound if tally.inbound else None,
        median_answer=median(tally.answer_waits),
        average_duration=round(tally.duration_total / tally.timed) if tally.timed else None,
        returned_share=tally.returned / tally.missed if tally.missed else None,
        returned_hour_share=tally.returned_hour / tally.missed if tally.missed else None,
        median_return=median(returns),
        p90_return=percentile(returns, 0.9),
    )


def lines_of(tallies: Tallies) -> list[LineFigures]:
    """Figures for every line the calls came in on or went out from, most calls first."""
    lines = [line_figures(key, tally) for key, tally in tallies.lines.items()]
    return sorted(lines, key=lambda line: (-line.calls, line.name.casefold(), line.number or ""))


def per_line(calls: Iterable[Call]) -> list[LineFigures]:
    return lines_of(counted(calls, words=False))


def time_to_answer(call: Call) -> float | None:
    """Seconds from start to answer of an answered inbound call (None otherwise)."""
    wait = answer_wait(call)
    return None if wait is None else float(wait)


# --------------------------------------------------------------------------------------------
# At a glance


def busiest_employee(rows: Sequence[EmployeeFigures]) -> EmployeeFigures | None:
    """Who took part in the most calls (ties: first by name)."""
    return sort_employees(rows)[0] if rows else None


def most_missing_line(lines: Sequence[LineFigures]) -> LineFigures | None:
    """The line that missed the most calls, by count and then by share; None if none missed."""
    missing = [line for line in lines if line.missed]
    return max(missing, key=lambda line: (line.missed, line.missed_share or 0), default=None)
