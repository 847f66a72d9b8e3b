"""The call export's file: its columns, one row per call, and its name.

Rows follow the list exactly (same calls, same order); times are ISO 8601 in the company's
time zone, with its UTC offset, so a spreadsheet and a script read the same moment. Every
cell goes through calls.csv_cells, so names and summaries that came from outside cannot run
as formulas in the spreadsheet that opens the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, tzinfo

from django.utils.text import slugify

from calls.csv_cells import safe_row
from calls.phoneinc import Call

COLUMNS = (
    "id",
    "direction",
    "state",
    "from",
    "to",
    "line",
    "line_number",
    "started_at",
    "answered_at",
    "duration_seconds",
    "employees",
    "missed",
    "summary",
)
EMPLOYEE_SEPARATOR = "; "
FALLBACK_NAME = "company"


def moment(value: datetime | None, zone: tzinfo) -> str:
    return value.astimezone(zone).isoformat(timespec="seconds") if value else ""


def row(call: Call, zone: tzinfo, *, content: bool = True) -> list[str]:
    """One call's cells. `content=False` leaves the summary out: it is read from the call's
    conversation, which such a member may not read."""
    names = [employee.name for employee in call.employees if employee.name]
    return safe_row(
        (
            call.id,
            call.direction,
            call.state,
            call.from_number,
            call.to_number,
            call.main_number_name,
            call.main_number,
            moment(call.started_at, zone),
            moment(call.answered_at, zone),
            call.duration,
            EMPLOYEE_SEPARATOR.join(names),
            "yes" if call.is_missed else "no",
            call.summary if content else "",
        )
    )


def rows(calls: Iterable[Call], zone: tzinfo, *, content: bool = True) -> Iterator[list[str]]:
    yield list(COLUMNS)
    for call in calls:
        yield row(call, zone, content=content)


def filename(company_name: str, now: datetime, zone: tzinfo) -> str:
    """calls-<company>-<YYYYMMDD-HHMM>.csv: the name in safe ASCII, the time in its zone."""
    name = slugify(company_name) or FALLBACK_NAME
    return f"calls-{name}-{now.astimezone(zone):%Y%m%d-%H%M}.csv"
