"""Periods a page answers over: `period=7d`, or `from` and `to`, in the company's days.

A day is the company's day, in its time zone: a period runs from midnight of its first day to
midnight after its last, whatever daylight saving does in between (a "day" may be 23 or 25
hours long). Only a company that keeps a call history has periods: Phone.inc itself knows no
dates. Every way a period can be wrong is a `PeriodError` whose message says what is allowed,
which pages show as a 400.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from calls.models import Company

# What `period=` takes, as the When control names them (None: the newest calls, from Phone.inc).
NAMED = {
    "today": "Today",
    "yesterday": "Yesterday",
    "7d": "Last 7 days",
    "30d": "Last 30 days",
    "90d": "Last 90 days",
    "month": "This month",
    "lastmonth": "Last month",
}
CUSTOM = "custom"
MAX_DAYS = 366
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


class PeriodError(ValueError):
    """A period a page cannot answer for, with a message saying what it can."""


@dataclass(frozen=True, slots=True)
class Period:
    """The company's days `first` to `last`, both included, as `since` to `until` (excluded)."""

    first: date
    last: date
    name: str  # a key of NAMED, or CUSTOM
    since: datetime
    until: datetime

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def label(self) -> str:
        return NAMED.get(self.name, "Custom")

    def describe(self) -> str:
        """ "Mon 30 Nov – Sun 6 Dec 2026", or one day as "Sun 6 Dec 2026"."""
        if self.first == self.last:
            return day_label(self.first, year=True)
        same_year = self.first.year == self.last.year
        return f"{day_label(self.first, year=not same_year)} – {day_label(self.last, year=True)}"

    def previous(self, company: Company) -> Period:
        """The period of the same length just before this one (for comparisons)."""
        last = self.first - timedelta(days=1)
        return span(company, last - timedelta(days=self.days - 1), last, CUSTOM)

    def params(self) -> dict[str, str]:
        """The query parameters that ask for this period again."""
        if self.name in NAMED:
            return {"period": self.name}
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}


def read_at(company: Company, period: Period) -> tuple:
    """Which history a page of a period was read from, for calls.pages: the company's history
    version (moved on by every change to its stored calls) and the days the period meant when
    asked (a named period moves on at midnight)."""
    return ("history", company.history_version, period.first, period.last)


def day_label(day: date, *, year: bool = False) -> str:
    text = f"{day:%a} {day.day} {day:%b}"
    return f"{text} {day.year}" if year else text


def midnight(company: Company, day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=company.zone)


def span(company: Company, first: date, last: date, name: str) -> Period:
    return Period(
        first, last, name, midnight(company, first), midnight(company, last + timedelta(days=1))
    )


def oldest_kept_day(company: Company, today: date) -> date:
    return today - timedelta(days=company.history_days - 1)


def named(company: Company, name: str, today: date) -> Period:
    if name == "today":
        first = last = today
    elif name == "yesterday":
        first = last = today - timedelta(days=1)
    elif name in ("7d", "30d", "90d"):
        first, last = today - timedelta(days=int(name[:-1]) - 1), today
    elif name == "month":
        first, last = today.replace(day=1), today
    else:  # lastmonth
        last = today.replace(day=1) - timedelta(days=1)
        first = last.replace(day=1)
    return span(company, first, last, name)


def read(company: Company, params, today: date) -> Period | None:
    """The period `params` (a QueryDict or dict) ask for: None when they ask for none; a
    PeriodError when they ask for one this company cannot have."""
    name = (params.get("period") or "").strip()
    start = (params.get("from") or "").strip()
    end = (params.get("to") or "").strip()
    if not (name or start or end):
        return None
    if not company.keeps_history:
        raise PeriodError(
            "Periods need the call history, which your company does not keep: Phone.inc "
            "itself only gives its most recent calls. An admin can turn the history on "
            "under Team → Call history."
        )
    oldest = oldest_kept_day(company, today)
    if name and (start or end):
        raise PeriodError("Choose a period or a range of days (from and to), not both.")
    if name:
        if name not in NAMED:
            names = ", ".join(NAMED)
            raise PeriodError(f"“{name[:40]}” is not a period we know: choose one of {names}.")
        period = named(company, name, today)
    else:
        first = _day("from", start) if start else oldest
        last = _day("to", end) if end else today
        if last < first:
            raise PeriodError(
                f"The range ends ({day_label(last, year=True)}) before it starts "
                f"({day_label(first, year=True)})."
            )
        period = span(company, first, last, CUSTOM)
    # What the history keeps first: it is what a person can act on.
    if period.first < oldest:
        raise PeriodError(
            f"The call history goes back to {day_label(oldest, year=True)} "
            f"({company.history_days} days): choose a period from then on."
        )
    if period.days > MAX_DAYS:
        raise PeriodError(
            f"A period can span at most {MAX_DAYS} days; this one spans {period.days}."
        )
    return period


def _day(name: str, text: str) -> date:
    if not _DATE_RE.fullmatch(text):
        raise PeriodError(f"“{text[:20]}” is not a day: write {name} as YYYY-MM-DD.")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PeriodError(f"“{text[:20]}” is not a day of the calendar.") from None
