"""Phone.inc JSON into typed records: strict about shape, tolerant about content.

An answer of the wrong shape (a missing id, a number where text belongs) raises `BadAnswer`;
content Phone.inc may extend (new states, directions, fields) is kept or ignored, and broken
entries inside lists (an employee without id or name, an empty transcript turn) are skipped.

A value of the right type that no real call can have is dropped here, at the boundary, so
that every value that passes can be shown on every page: the call reads as if Phone.inc had
sent null for that field ("unknown"), and the rest of the call, and of the list, still shows.
Pages convert times into any IANA zone (UTC-12 to UTC+14), add hours and weeks to them and
divide durations into averages; a value outside the ranges below would overflow there.

- `started_at`, `answered_at`: an ISO 8601 timestamp (any offset, any fraction of a second,
  kept to the microsecond; none means UTC) outside 1970-01-01 to 2200-01-01 UTC is None,
  which also covers year 1 and year 9999, where converting to UTC overflows. Text that is
  not ISO 8601 is the wrong shape.
- `duration`: an integer (a bool or a float is the wrong shape) below 0 or above 30 days is
  None.
- Text fields keep their content whatever its length (the answer's size cap bounds it) minus
  NUL characters; ids outside the call-id alphabet are kept but never linked or fetched.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from calls.phoneinc.errors import BadAnswer
from calls.phoneinc.records import Call, Employee, TranscriptSegment

MAX_TIMESTAMP_CHARS = 64  # ISO 8601 with offset and fraction fits in far less
# The instants a call can have: from the Unix epoch to well past any call still being made.
EARLIEST_TIMESTAMP = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_TIMESTAMP = datetime(2200, 1, 1, tzinfo=UTC)  # excluded
MAX_DURATION_SECONDS = 30 * 24 * 3600  # no phone call lasts a month


def _clean(value: str) -> str:
    return value.replace("\x00", "")


def _bad(where: str, problem: str) -> BadAnswer:
    return BadAnswer(detail=f"{where}: {problem}")


def _required_str(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise _bad(f"{where}.{key}", "missing or not a string")
    value = _clean(value).strip()
    if not value:
        raise _bad(f"{where}.{key}", "empty")
    return value


def _optional_str(
    data: Mapping[str, Any], key: str, where: str, *, strip: bool = True
) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _bad(f"{where}.{key}", "not a string")
    value = _clean(value)
    return value.strip() if strip else value


def _number(data: Mapping[str, Any], key: str, where: str) -> str:
    """from/to: null or missing becomes "" (withheld); other text is kept as sent."""
    return _optional_str(data, key, where) or ""


def _timestamp(data: Mapping[str, Any], key: str, where: str) -> datetime | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_TIMESTAMP_CHARS:
        raise _bad(f"{where}.{key}", "not an ISO 8601 timestamp")
    try:
        parsed = datetime.fromisoformat(_clean(value).strip())
    except ValueError:
        raise _bad(f"{where}.{key}", "not an ISO 8601 timestamp") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)  # Phone.inc speaks UTC
    try:
        parsed = parsed.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 with an offset: no call's time either
        return None
    return parsed if EARLIEST_TIMESTAMP <= parsed < LATEST_TIMESTAMP else None


def _duration(data: Mapping[str, Any], where: str) -> int | None:
    value = data.get("duration")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(f"{where}.duration", "not an integer")
    return value if 0 <= value <= MAX_DURATION_SECONDS else None


def _employee(entry: object) -> Employee | None:
    """One employee entry, or None when it is too broken to show."""
    if not isinstance(entry, Mapping):
        return None
    emp_id, name = entry.get("id"), entry.get("name")
    emp_id = _clean(emp_id).strip() if isinstance(emp_id, str) else ""
    name = _clean(name).strip() if isinstance(name, str) else ""
    if not emp_id and not name:
        return None
    return Employee(id=emp_id, name=name)


def _employees(data: Mapping[str, Any], where: str) -> tuple[Employee, ...]:
    value = data.get("employees")
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _bad(f"{where}.employees", "not a list")
    return tuple(emp for emp in map(_employee, value) if emp is not None)


def _initiated_by(data: Mapping[str, Any], where: str) -> Employee | None:
    value = data.get("initiated_by")
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise _bad(f"{where}.initiated_by", "not an object")
    return _employee(value)


def _segment(entry: object) -> TranscriptSegment | None:
    """One transcript turn, or None when it has no text to show."""
    if not isinstance(entry, Mapping):
        return None
    text = entry.get("text")
    if not isinstance(text, str) or not (text := _clean(text)).strip():
        return None
    speaker = entry.get("speaker")
    employee_id = entry.get("employee_id")
    return TranscriptSegment(
        speaker=_clean(speaker).strip() if isinstance(speaker, str) else "",
        text=text.strip(),
        employee_id=(_clean(employee_id).strip() or None) if isinstance(employee_id, str) else None,
    )


def _segments(data: Mapping[str, Any], where: str) -> tuple[TranscriptSegment, ...] | None:
    value = data.get("transcription_segments")
    if value is None:
        return None
    if not isinstance(value, list):
        raise _bad(f"{where}.transcription_segments", "not a list")
    return tuple(seg for seg in map(_segment, value) if seg is not None)


def parse_call(data: object, *, where: str = "call", transcripts: bool = True) -> Call:
    """Turn one call object from the API into a `Call`, or raise `BadAnswer`.

    Unknown fields are ignored; unknown states and directions are kept (lower-cased) so the
    dashboard can still show them. With `transcripts=False` the transcript fields are not read
    at all (left None), like unknown ones: lists show no transcripts, and skipping them spares
    the bulk of the work of parsing a 50-call list.
    """
    if not isinstance(data, Mapping):
        raise _bad(where, "not an object")
    transcription = segments = None
    if transcripts:
        transcription = _optional_str(data, "transcription", where, strip=False)
        segments = _segments(data, where)
    return Call(
        id=_required_str(data, "id", where),
        from_number=_number(data, "from", where),
        to_number=_number(data, "to", where),
        direction=_required_str(data, "direction", where).lower(),
        state=_required_str(data, "state", where).lower(),
        started_at=_timestamp(data, "started_at", where),
        answered_at=_timestamp(data, "answered_at", where),
        duration=_duration(data, where),
        summary=_optional_str(data, "summary", where, strip=False),
        transcription=transcription,
        segments=segments,
        recording_url=_optional_str(data, "recording_url", where) or None,
        main_number_id=_optional_str(data, "main_number_id", where),
        main_number_name=_optional_str(data, "main_number_name", where),
        main_number=_optional_str(data, "main_number", where),
        main_number_formatted=_optional_str(data, "main_number_formatted", where),
        employees=_employees(data, where),
        initiated_by=_initiated_by(data, where),
    )


def parse_call_list(data: object, *, transcripts: bool = True) -> list[Call]:
    """Turn the list endpoint's `{"calls": [...]}` into `Call`s, or raise `BadAnswer`."""
    if not isinstance(data, Mapping):
        raise _bad("answer", "not an object")
    calls = data.get("calls")
    if not isinstance(calls, list):
        raise _bad("answer.calls", "missing or not a list")
    return [
        parse_call(item, where=f"calls[{i}]", transcripts=transcripts)
        for i, item in enumerate(calls)
    ]
