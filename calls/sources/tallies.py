"""What a set of calls comes to, counted once, whatever source they come from.

Insights' figures are worked out from `Tallies`: per line, per employee, per day of the
company (for the chart) and in all. The Phone.inc window tallies its calls as it reads them
(`of_calls`); the call history keeps a tally per line and per employee for each of a
company's days (calls.models.LineDay, EmployeeDay), which a period of months merges from a few
hundred rows instead of reading its calls. Both count the same way, so the same calls give the
same figures from either source.

Waits are whole seconds, so medians and percentiles read from them are exact: times to answer
as counts per second (seconds → calls: a few dozen distinct values however many calls),
times to return as one entry per returned call (they are nearly all different, and merging a
quarter's lists is one `extend` each).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from functools import partial

from calls.models.history import words_of
from calls.numbers import as_e164
from calls.phoneinc import Call, Employee
from calls.sources.returns import returns

KINDS = ("answered", "missed", "outbound", "other")  # a chart bar's parts, bottom to top
UNNAMED = "Unnamed employee"
NO_LINE = "No line"
HOUR = 3600


def kind_of(call: Call) -> str:
    """Which part of a chart bar a call counts in."""
    if call.direction == "outbound":
        return "outbound"
    if call.is_missed:
        return "missed"
    if call.direction == "inbound" and call.answered_at is not None:
        return "answered"
    return "other"


def answer_wait(call: Call) -> int | None:
    """Whole seconds from start to answer of an answered inbound call (None otherwise, and for
    an answer stamped before the start, which no clock skew makes a wait)."""
    if call.direction != "inbound" or call.started_at is None or call.answered_at is None:
        return None
    seconds = (call.answered_at - call.started_at).total_seconds()
    return int(seconds) if seconds >= 0 else None


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


@dataclass(slots=True)
class LineTally:
    """One line's calls: counts, talk, how fast inbound calls were answered and missed calls
    returned (seconds → calls), and each kind of chart bar."""

    name: str = ""
    calls: int = 0
    inbound: int = 0
    outbound: int = 0
    missed: int = 0
    timed: int = 0  # ended calls with a duration
    duration_total: int = 0
    answer_waits: Counter = field(default_factory=Counter)
    returned: int = 0
    returned_hour: int = 0
    return_waits: list[int] = field(default_factory=list)  # one per returned call
    kinds: Counter = field(default_factory=Counter)

    def add(self, call: Call, returned_at: datetime | None = None) -> None:
        self.name = self.name or call.main_number_name or ""
        self.calls += 1
        self.inbound += call.direction == "inbound"
        self.outbound += call.direction == "outbound"
        self.kinds[kind_of(call)] += 1
        if call.is_ended and call.duration is not None:
            self.timed += 1
            self.duration_total += max(0, call.duration)
        wait = answer_wait(call)
        if wait is not None:
            self.answer_waits[wait] += 1
        if call.is_missed:
            self.missed += 1
            if returned_at is not None and call.started_at is not None:
                seconds = max(0, int((returned_at - call.started_at).total_seconds()))
                self.returned += 1
                self.returned_hour += seconds <= HOUR
                self.return_waits.append(seconds)

    def merge(self, other: LineTally) -> None:
        self.name = self.name or other.name
        for name in ("calls", "inbound", "outbound", "missed", "timed", "duration_total"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.returned += other.returned
        self.returned_hour += other.returned_hour
        self.answer_waits.update(other.answer_waits)
        self.return_waits.extend(other.return_waits)
        self.kinds.update(other.kinds)

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "counts": [self.calls, self.inbound, self.outbound, self.missed, self.timed,
                       self.duration_total, self.returned, self.returned_hour],
            "answer_waits": dict(self.answer_waits),
            "return_waits": sorted(self.return_waits),  # a quarter's merge: sorted runs
            "kinds": dict(self.kinds),
        }  # fmt: skip

    def add_json(self, data: dict) -> None:
        """Merge in a tally kept as JSON (as_json), without building it first: a quarter's
        rows are merged on every insights page of a period."""
        self.name = self.name or data.get("name", "")
        counts = data["counts"]
        self.calls += counts[0]
        self.inbound += counts[1]
        self.outbound += counts[2]
        self.missed += counts[3]
        self.timed += counts[4]
        self.duration_total += counts[5]
        self.returned += counts[6]
        self.returned_hour += counts[7]
        kept = self.answer_waits
        for seconds, calls in (data.get("answer_waits") or {}).items():
            seconds = int(seconds)
            kept[seconds] = kept.get(seconds, 0) + calls
        returns = data.get("return_waits") or ()
        if isinstance(returns, dict):  # a day kept before 32c5dc8, as counts per second
            returns = [int(seconds) for seconds, calls in returns.items() for _ in range(calls)]
        self.return_waits.extend(returns)
        kinds = self.kinds
        for kind, calls in (data.get("kinds") or {}).items():
            kinds[kind] = kinds.get(kind, 0) + calls


@dataclass(slots=True)
class PersonTally:
    """One employee's part in calls: counts, talk time, and the words they spoke of all the
    words in their transcribed calls."""

    name: str = ""
    calls: int = 0
    inbound: int = 0
    outbound: int = 0
    answered: int = 0
    timed: int = 0
    talk_total: int = 0
    spoken: int = 0
    heard: int = 0

    def add(self, call: Call, employee: Employee, words: dict[str, int] | None) -> None:
        self.name = self.name or employee.name  # newest first: the latest name wins
        self.calls += 1
        self.inbound += call.direction == "inbound"
        self.outbound += call.direction == "outbound"
        self.answered += call.answered_at is not None
        if call.is_ended and call.duration is not None:
            self.timed += 1
            self.talk_total += max(0, call.duration)
        if words and employee.id:
            self.heard += words.get("", 0)
            self.spoken += words.get(employee.id, 0)

    def merge(self, other: PersonTally) -> None:
        self.name = self.name or other.name
        for name in ("calls", "inbound", "outbound", "answered", "timed", "talk_total"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.spoken += other.spoken
        self.heard += other.heard


@dataclass(slots=True)
class Tallies:
    """Calls counted per line (by E.164 number, or `name:` when a line has none), per employee,
    per day of the company (chart kinds), and when they started."""

    lines: dict[str, LineTally] = field(default_factory=dict)
    people: dict[str, PersonTally] = field(default_factory=dict)
    days: dict[date, Counter] = field(default_factory=dict)
    first: datetime | None = None
    last: datetime | None = None
    undated: int = 0

    @property
    def count(self) -> int:
        return sum(line.calls for line in self.lines.values())

    def total(self) -> LineTally:
        """Every line's tally in one."""
        merged = LineTally()
        for line in self.lines.values():
            merged.merge(line)
        return merged

    def add(
        self,
        call: Call,
        region: str,
        zone: tzinfo,
        *,
        returned_at: datetime | None = None,
        words: dict[str, int] | None = None,
    ) -> None:
        key = line_key(call, region)
        self.lines.setdefault(key, LineTally()).add(call, returned_at)
        for person, employee in participants(call).items():
            self.people.setdefault(person, PersonTally()).add(call, employee, words)
        if call.started_at is None:
            self.undated += 1
            return
        day = call.started_at.astimezone(zone).date()
        self.days.setdefault(day, Counter())[kind_of(call)] += 1
        self.first = min(self.first or call.started_at, call.started_at)
        self.last = max(self.last or call.started_at, call.started_at)

    def merge(self, other: Tallies) -> None:
        for key, line in other.lines.items():
            self.lines.setdefault(key, LineTally()).merge(line)
        for key, person in other.people.items():
            self.people.setdefault(key, PersonTally()).merge(person)
        for day, kinds in other.days.items():
            self.days.setdefault(day, Counter()).update(kinds)
        if other.first is not None:
            self.first = min(self.first or other.first, other.first)
            self.last = max(self.last or other.last, other.last)
        self.undated += other.undated


def line_key(call: Call, region: str) -> str:
    """The line a call counts under: its main number in E.164, else its name."""
    number = as_e164(call.main_number, region) if call.main_number else None
    return number or f"name:{call.main_number_name or ''}"


def of_calls(calls: Iterable[Call], region: str, zone: tzinfo, *, words: bool = True) -> Tallies:
    """The calls' tallies: missed calls returned by a later call among them counted so, and
    (unless `words` is false) the words of those that carry a transcript."""
    calls = list(calls)
    back = returns(calls, region)
    tallies = Tallies()
    for call in calls:
        returning = back.get(call.id)
        tallies.add(
            call,
            region,
            zone,
            returned_at=returning.started_at if returning else None,
            words=words_of(call) if words else None,
        )
    return tallies


def median(waits: Counter | list[int]) -> float | None:
    return percentile(waits, 0.5)


def percentile(waits: Counter | list[int], share: float) -> float | None:
    """The wait below which `share` of the waits lie (the middle two averaged for a median of
    an even count, as statistics.median does); None without waits. `waits` is counts per
    second, or one entry per call."""
    if isinstance(waits, list):
        ordered = sorted(waits)
        total = len(ordered)
        at = ordered.__getitem__
    else:
        counted = sorted(waits.items())
        total = sum(waits.values())
        at = partial(_at, counted)
    if not total:
        return None
    if share == 0.5:
        return (at((total - 1) // 2) + at(total // 2)) / 2
    return float(at(min(total - 1, max(0, int(share * total + 0.999999) - 1))))


def _at(ordered: list[tuple[int, int]], index: int) -> int:
    seen = 0
    for value, count in ordered:
        seen += count
        if index < seen:
            return value
    return ordered[-1][0]
