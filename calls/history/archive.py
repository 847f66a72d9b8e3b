"""A company's stored calls as an archive: CSV lines, newest first, streamed from the database.

`exporthistory` writes them for an operator. The calls are read in chunks (`.iterator`), never
all at once, so memory stays flat on a million rows; each line is made as it is written. Days
are the company's, in its time zone, both inclusive. Calls without a start time cannot be placed
between two days: they come last, and only when no day bounds the archive.

The columns and cells are the call export's (calls.insights.csv_file), handed in by the caller:
the history and the insights are features side by side that do not import each other (the
import-linter contracts). The transcription column is the archive's own.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Callable, Generator, Iterator, Sequence
from datetime import date, datetime, timedelta, tzinfo

from calls.csv_cells import safe_cell
from calls.models import Company, StoredCall
from calls.phoneinc import Call

CHUNK = 2000  # rows per database fetch: enough to keep round trips rare, small in memory
TRANSCRIPTION = "transcription"

# One call's cells, times in the zone: calls.insights.csv_file.row.
Row = Callable[[Call, tzinfo], list[str]]


def midnight(day: date, zone: tzinfo) -> datetime:
    """The first moment of `day` in `zone`."""
    return datetime(day.year, day.month, day.day, tzinfo=zone)


def stored_calls(
    company: Company, first: date | None, last: date | None, *, transcripts: bool = False
) -> Iterator[StoredCall]:
    """The company's stored calls that started on `first` to `last` (None: unbounded), newest
    first; those without a start time after them, when neither day is given. Transcripts are
    not even read unless asked for: they are most of a row's bytes."""
    calls = StoredCall.objects.filter(company=company)
    if not transcripts:
        calls = calls.defer("transcription", "segments")
    dated = calls.filter(started_at__isnull=False)
    if first is not None:
        dated = dated.filter(started_at__gte=midnight(first, company.zone))
    if last is not None and last < date.max:
        dated = dated.filter(started_at__lt=midnight(last + timedelta(days=1), company.zone))
    yield from dated.order_by("-started_at", "-pk").iterator(chunk_size=CHUNK)
    if first is None and last is None:
        undated = calls.filter(started_at__isnull=True).order_by("-pk")
        yield from undated.iterator(chunk_size=CHUNK)


def csv_lines(
    company: Company,
    first: date | None,
    last: date | None,
    *,
    columns: Sequence[str],
    row: Row,
    transcripts: bool = False,
) -> Generator[str, None, None]:
    """The header, then one CSV line per stored call (see `stored_calls`), each made by `row`
    in the company's zone; `transcripts` appends a transcription column. Close it when
    stopping early: that closes the database cursor it reads from."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([*columns, TRANSCRIPTION] if transcripts else list(columns))
    yield _taken(buffer)
    zone = company.zone
    for stored in stored_calls(company, first, last, transcripts=transcripts):
        if transcripts:
            call = stored.as_call()
            writer.writerow([*row(call, zone), safe_cell(transcript_text(call))])
        else:
            # The summary without the transcript, which was not read (as_call would fetch it).
            call = dataclasses.replace(stored.as_call(content=False), summary=stored.summary)
            writer.writerow(row(call, zone))
        yield _taken(buffer)


def transcript_text(call: Call) -> str:
    """The call's transcription, or its segments as `Speaker: text` lines when there is none."""
    if call.transcription:
        return call.transcription
    return "\n".join(f"{segment.speaker}: {segment.text}" for segment in call.segments or ())


def _taken(buffer: io.StringIO) -> str:
    """What was written to `buffer`, which is emptied for the next line."""
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
