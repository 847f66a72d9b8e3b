"""Each company's calls tallied per line and per employee for each of its days.

A period of months holds hundreds of thousands of calls; insights read its LineDay and
EmployeeDay rows instead, a few hundred at most, and merge them (calls.sources.tallies). The
rows of a day are worked out afresh from its stored calls whenever a call of that day is stored
or changes, or a missed call of it is returned (`refresh`): the day is the truth, so a change
of any kind, in any order, leaves the rows right. Days are the company's days, in its time zone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.db.models import Max, Sum

from calls.models import Company, EmployeeDay, LineDay, StoredCall
from calls.models.history import SHORT_TEXT
from calls.sources.query import CallQuery
from calls.sources.tallies import LineTally, PersonTally, Tallies, line_key, participants

SKIPPED = ("summary", "transcription", "segments")


def bounds(company: Company, day: date) -> tuple[datetime, datetime]:
    """The company's day from midnight to midnight, in its time zone."""
    following = day + timedelta(days=1)
    zone = company.zone
    return (
        datetime(day.year, day.month, day.day, tzinfo=zone),
        datetime(following.year, following.month, following.day, tzinfo=zone),
    )


def day_of(company: Company, moment: datetime) -> date:
    return moment.astimezone(company.zone).date()


def refresh(company: Company, days: Iterable[date]) -> None:
    """Work the rows of these days out afresh from the stored calls (inside the caller's
    transaction, which stored them)."""
    for day in sorted(set(days)):
        since, until = bounds(company, day)
        rows = StoredCall.objects.filter(company=company, started_at__gte=since)
        rows = rows.filter(started_at__lt=until).defer(*SKIPPED)
        lines: dict[str, LineTally] = {}
        people: dict[tuple[str, str], PersonTally] = {}
        for row in rows.iterator(chunk_size=2000):
            call = row.as_call(content=False)
            # Keys as long as the columns hold (an employee known only by a long name is
            # "name:…"): keys alike to there are tallied together, never two rows of one.
            line = line_key(call, company.region)[:SHORT_TEXT]
            lines.setdefault(line, LineTally()).add(call, row.returned_at)
            for key, employee in participants(call).items():
                tally = people.setdefault((line, key[:SHORT_TEXT]), PersonTally())
                tally.add(call, employee, row.words)
        LineDay.objects.filter(company=company, day=day).delete()
        EmployeeDay.objects.filter(company=company, day=day).delete()
        LineDay.objects.bulk_create(
            LineDay(company=company, day=day, line=line, tally=tally.as_json())
            for line, tally in lines.items()
        )
        EmployeeDay.objects.bulk_create(
            EmployeeDay(
                company=company,
                day=day,
                line=line,
                employee=key,
                name=tally.name[:SHORT_TEXT],
                **{name: getattr(tally, name) for name in EmployeeDay.COUNTS},
            )
            for (line, key), tally in people.items()
        )


def refresh_all(company: Company) -> int:
    """Every day the company has stored calls on, worked out afresh; how many days."""
    starts = StoredCall.objects.filter(company=company, started_at__isnull=False)
    days = {day_of(company, moment) for moment in starts.values_list("started_at", flat=True)}
    LineDay.objects.filter(company=company).exclude(day__in=days).delete()
    EmployeeDay.objects.filter(company=company).exclude(day__in=days).delete()
    refresh(company, days)
    return len(days)


def forget_before(company: Company, day: date) -> None:
    LineDay.objects.filter(company=company, day__lt=day).delete()
    EmployeeDay.objects.filter(company=company, day__lt=day).delete()


def tallies(company: Company, query: CallQuery, *, words: bool, people: bool = True) -> Tallies:
    """The tallies of the query's whole days (its `since` to `until`) on its lines, merged from
    the rows kept per day: what insights show over a period without reading its calls. Lines
    are merged here (their waits are counts per second); employees are summed by the database,
    one row each (`people=False`: none, for a total alone)."""
    first = day_of(company, query.since)
    last = day_of(company, query.until - timedelta(microseconds=1))
    found = Tallies()
    line_rows = LineDay.objects.filter(company=company, day__gte=first, day__lte=last)
    if query.lines:
        line_rows = line_rows.filter(line__in=sorted(query.lines))
    for day, line, data in line_rows.values_list("day", "line", "tally"):
        found.lines.setdefault(line, LineTally()).add_json(data)
        kinds = found.days.setdefault(day, Counter())
        for kind, calls in (data.get("kinds") or {}).items():
            kinds[kind] += calls
    if not people:
        return found
    person_rows = EmployeeDay.objects.filter(company=company, day__gte=first, day__lte=last)
    if query.lines:
        person_rows = person_rows.filter(line__in=sorted(query.lines))
    sums = {name: Sum(name) for name in EmployeeDay.COUNTS}
    # A name that changed within the period reads as one of the names it had.
    summed = person_rows.values("employee").annotate(last_name=Max("name"), **sums)
    for row in summed.order_by():
        tally = PersonTally(row["last_name"], *(row[name] for name in EmployeeDay.COUNTS))
        if not words:
            tally.spoken = tally.heard = 0
        found.people[row["employee"]] = tally
    return found
