"""Insights over a period of the call history: its tallies, its chart and its headlines beside
the period of the same length just before.

An unfiltered period of more than two days is read from the tallies the sync keeps per line,
employee and day (calls.sources.rollups): a few hundred rows for a quarter, never its calls. A
short period (whose chart is by hour) or one filtered by number, direction, state or employee is
counted from its stored calls, their content left in the database. Both count alike
(calls.sources.tallies), so a figure never depends on which one answered.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from calls.display import span
from calls.filters.periods import Period, oldest_kept_day
from calls.insights import chart as charts
from calls.insights.format import seconds, wait
from calls.models import Company
from calls.sources import History, rollups
from calls.sources.query import CallQuery
from calls.sources.tallies import LineTally, Tallies, kind_of, median

HOURLY_UP_TO_DAYS = 2
SKIPPED = ("summary", "transcription", "segments")


@dataclass(frozen=True, slots=True)
class Counted:
    """A period's tallies and its chart."""

    tallies: Tallies
    chart: charts.Chart
    from_rollups: bool


def counted(company: Company, query: CallQuery, period: Period, *, words: bool) -> Counted:
    """The period's calls that match the query, tallied, and charted."""
    filtered = any((query.phone_number, query.direction, query.state, query.employee))
    if filtered or period.days <= HOURLY_UP_TO_DAYS:
        return from_calls(company, query, period, words=words)
    return from_days(company, query, period, words=words)


def from_days(company: Company, query: CallQuery, period: Period, *, words: bool) -> Counted:
    """From the tallies kept per line, employee and day: the query's lines only."""
    tallies = rollups.tallies(company, query, words=words)
    unit, found = charts.period_buckets(tallies.days, period.first, period.last, company.zone)
    return Counted(tallies, charts.draw(unit, found), from_rollups=True)


def from_calls(company: Company, query: CallQuery, period: Period, *, words: bool) -> Counted:
    """From the stored calls, their content left in the database; by hour for a short period."""
    hourly = period.days <= HOURLY_UP_TO_DAYS
    tallies, hours = Tallies(), {}
    rows = History(company).rows(query).defer(*SKIPPED)
    for row in rows.iterator(chunk_size=2000):
        call = row.as_call(content=False)
        tallies.add(
            call,
            company.region,
            company.zone,
            returned_at=row.returned_at,
            words=row.words if words else None,
        )
        if hourly and call.started_at is not None:
            hour = charts.hour_key(call.started_at, company.zone)
            hours.setdefault(hour, Counter())[kind_of(call)] += 1
    unit, found = charts.period_buckets(
        tallies.days,
        period.first,
        period.last,
        company.zone,
        hours=hours if hourly else None,
        now=timezone.now(),
    )
    return Counted(tallies, charts.draw(unit, found, undated=tallies.undated), from_rollups=False)


def _total(company: Company, query: CallQuery, period: Period) -> LineTally:
    """Every line's tally of the period in one (the headlines' comparison)."""
    filtered = any((query.phone_number, query.direction, query.state, query.employee))
    if filtered or period.days <= HOURLY_UP_TO_DAYS:
        return from_calls(company, query, period, words=False).tallies.total()
    return rollups.tallies(company, query, words=False, people=False).total()


# --------------------------------------------------------------------------------------------
# Headlines


@dataclass(frozen=True, slots=True)
class Headline:
    """One figure of the period, as shown, and how it compares with the period before."""

    label: str
    value: str
    change: str = ""  # "−3 pts vs the 7 days before"; empty when there is nothing to compare


def headlines(company: Company, query: CallQuery, period: Period, now_total: LineTally):
    """Calls, missed share, median time to answer and median time to return, each beside the
    period of the same length just before (when the history reaches back that far)."""
    before = period.previous(company)
    today = timezone.localdate(timezone.now(), company.zone)
    previous = None
    if before.first >= oldest_kept_day(company, today):
        earlier = dataclasses.replace(query, since=before.since, until=before.until)
        previous = _total(company, earlier, before)
    against = "the day before" if period.days == 1 else f"the {period.days} days before"
    return [
        _calls(now_total, previous, against),
        _missed(now_total, previous, against),
        _wait("Median time to answer", seconds, now_total, previous, "answer_waits", against),
        _wait("Median time to return", wait, now_total, previous, "return_waits", against),
    ]


def _calls(now: LineTally, before: LineTally | None, against: str) -> Headline:
    change = ""
    if before is not None and before.calls:
        percent = round(100 * (now.calls - before.calls) / before.calls)
        change = f"{_signed(percent)}% vs {against}"
    elif before is not None:
        change = f"vs none in {against}"
    return Headline("Calls", f"{now.calls:,}", change)


def _missed(now: LineTally, before: LineTally | None, against: str) -> Headline:
    share = now.missed / now.inbound if now.inbound else None
    value = "—" if share is None else f"{round(100 * share)}%"
    change = ""
    if share is not None and before is not None and before.inbound:
        points = round(100 * share) - round(100 * before.missed / before.inbound)
        change = f"{_signed(points)} pts vs {against}"
    return Headline("Missed", value, change)


def _wait(label: str, shown, tally: LineTally, before: LineTally | None, name: str, against: str):
    now = median(getattr(tally, name))
    value = shown(now)
    change = ""
    then = median(getattr(before, name)) if before is not None else None
    if now is not None and then is not None:
        difference = round(now - then)
        change = f"{_signed_span(difference)} vs {against}" if difference else f"same as {against}"
    return Headline(label, value, change)


def _signed(number: int) -> str:
    return f"+{number}" if number > 0 else ("0" if number == 0 else f"−{-number}")


def _signed_span(difference: int) -> str:
    sign = "+" if difference > 0 else "−"
    return sign + span(timedelta(seconds=abs(difference)))
