"""Calls written straight into a company's history, as a sync pass stores them: for the pages'
tests, which need calls on given days rather than the simulator's newest."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from calls.history import store
from calls.models import Company
from calls.phoneinc import Call, Employee, TranscriptSegment

SALES = {"main_number": "+14155551234", "main_number_name": "Sales"}
SUPPORT = {"main_number": "+14155555678", "main_number_name": "Support"}
ALEX = Employee("emp-alex", "Alex Wong")
SAM = Employee("emp-sam", "Sam Lee")
CALLER = "+14085550100"


def a_call(
    id: str,
    started: datetime,
    *,
    direction: str = "inbound",
    answered: bool = True,
    remote: str = CALLER,
    line: dict = SALES,
    duration: int = 60,
    employees: tuple[Employee, ...] = (ALEX,),
    words: str | None = None,
    **fields,
) -> Call:
    """An ended call started at `started`: answered after 10 s unless `answered=False` (then
    missed, if inbound); `words`: a transcript of one segment spoken by its first employee."""
    numbers = (
        (remote, line["main_number"]) if direction == "inbound" else (line["main_number"], remote)
    )
    segments = None
    if words is not None:
        segments = (
            TranscriptSegment(employees[0].name, words, employees[0].id),
            TranscriptSegment("Caller", "thanks bye", None),
        )
    return Call(
        id,
        *numbers,
        direction,
        "ended",
        started_at=started,
        answered_at=started + timedelta(seconds=10) if answered else None,
        duration=duration if answered else 0,
        employees=employees if answered else (),
        initiated_by=employees[0] if direction == "outbound" and employees else None,
        segments=segments,
        transcription=words,
        summary=f"Call {id}." if words is not None else None,
        **line,
        **fields,
    )


def keep(company: Company, *calls: Call, fetched_at: datetime | None = None) -> None:
    """Store the calls in the company's history, as one sync pass would."""
    with transaction.atomic():
        store.store(company, calls, fetched_at or timezone.now())
    company.refresh_from_db()


def local(company: Company, day_offset: int, hour: int, minute: int = 0) -> datetime:
    """`hour`:`minute` on the company's day `day_offset` days from today (0: today, -1:
    yesterday), in its time zone."""
    today = timezone.localdate(timezone.now(), company.zone)
    day = today + timedelta(days=day_offset)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=company.zone)
