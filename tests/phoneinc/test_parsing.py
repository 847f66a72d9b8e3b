"""Unit tests for calls/phoneinc/parsing.py: Phone.inc JSON into typed records.

Strict about shape (a malformed call is a BadAnswer), tolerant about content (unknown states,
fields and broken list entries are kept, ignored or skipped).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from calls.phoneinc import BadAnswer, Call, Employee, TranscriptSegment, parse_call, parse_call_list
from tests.phoneinc_examples import CALL_ID, LIST_EXAMPLE, NULLABLE, RETRIEVE_EXAMPLE, minimal

ALEX = Employee(id="0193f4b0-aaaa-7c00-9e3d-2b2b8a7f1c20", name="Alex Wong")


def test_it_parses_the_documented_list_example():
    calls = parse_call_list(json.loads(LIST_EXAMPLE))

    assert calls == [
        Call(
            id=CALL_ID,
            from_number="+14085550199",
            to_number="+14155551234",
            direction="inbound",
            state="ended",
            started_at=datetime(2026, 5, 11, 14, 2, 11, tzinfo=UTC),
            answered_at=datetime(2026, 5, 11, 14, 2, 14, tzinfo=UTC),
            duration=187,
            summary="Customer asked about the status of order #1042.",
            transcription="Hello, I'm calling about order 1042...",
            segments=(
                TranscriptSegment("Caller", "Hello, I'm calling about order 1042.", None),
                TranscriptSegment(
                    "Alex Wong",
                    "Sure, let me look that up for you.",
                    "0193f4b0-aaaa-7c00-9e3d-2b2b8a7f1c20",
                ),
            ),
            recording_url=(
                "https://app.phone.inc/rails/active_storage/blobs/redirect/.../recording.mp3"
            ),
            main_number_id="0193f4a9-7c34-7c00-9e3d-2b2b8a7f1c01",
            main_number_name="Sales",
            main_number="+14155551234",
            main_number_formatted="+1 415-555-1234",
            employees=(ALEX,),
            initiated_by=None,
        )
    ]
    call = calls[0]
    assert call.remote_number == "+14085550199"
    assert call.is_ended and not call.is_live
    assert not call.is_missed
    assert not call.is_withheld
    assert call.has_valid_id


def test_it_parses_the_documented_retrieve_example():
    call = parse_call(json.loads(RETRIEVE_EXAMPLE))

    assert call.id == CALL_ID
    assert call.state == "bridged"
    assert call.is_live
    assert call.started_at == datetime(2026, 5, 11, 14, 2, 11, tzinfo=UTC)
    assert call.answered_at == datetime(2026, 5, 11, 14, 2, 14, tzinfo=UTC)
    assert call.duration is None
    assert call.summary is None
    assert call.transcription is None
    assert call.segments is None
    assert call.recording_url is None
    assert call.main_number_name == "Sales"
    assert call.employees == (ALEX,)
    assert call.initiated_by is None


def test_it_accepts_null_in_every_nullable_field():
    data = dict.fromkeys(NULLABLE)
    call = parse_call({"id": "c1", "direction": "inbound", "state": "initiated", **data})

    assert call == Call(
        id="c1", from_number="", to_number="", direction="inbound", state="initiated"
    )
    assert call.employees == ()
    assert call.is_withheld
    assert not call.is_missed  # not ended yet


def test_it_accepts_missing_optional_fields():
    call = parse_call({"id": "c1", "direction": "outbound", "state": "initiated"})
    assert call.from_number == "" and call.to_number == ""
    assert call.segments is None and call.employees == ()


def test_it_keeps_unknown_states_and_directions():
    call = parse_call(minimal(state="On_Hold", direction="Internal"))
    assert call.state == "on_hold"
    assert call.direction == "internal"
    assert call.is_live
    assert call.remote_number == "+14085550199"


def test_it_ignores_unknown_fields():
    call = parse_call(minimal(sentiment={"score": 0.9}, tags=["vip"], recording_size=12))
    assert call == parse_call(minimal())


def test_it_keeps_an_anonymous_caller():
    call = parse_call(minimal(**{"from": "anonymous"}))
    assert call.from_number == "anonymous"
    assert call.remote_number == "anonymous"
    assert call.is_withheld


@pytest.mark.parametrize("number", ["", "anonymous", "Restricted", "private", "unknown", "+"])
def test_it_treats_non_numbers_as_withheld(number):
    assert parse_call(minimal(**{"from": number})).is_withheld


@pytest.mark.parametrize("number", ["+14085550199", "4085550199", "(408) 555-0199", "+44 20 7946"])
def test_it_does_not_treat_numbers_as_withheld(number):
    assert not parse_call(minimal(**{"from": number})).is_withheld


def test_it_takes_the_remote_number_from_the_direction():
    outbound = parse_call(
        minimal(direction="outbound", **{"from": "+14155551234", "to": "+442079460000"})
    )
    assert outbound.remote_number == "+442079460000"
    assert not outbound.is_withheld

    withheld_callee = parse_call(minimal(direction="outbound", to=None))
    assert withheld_callee.is_withheld


def test_it_flags_missed_calls():
    assert parse_call(minimal(answered_at=None)).is_missed
    assert not parse_call(minimal(answered_at="2026-05-11T14:02:14Z")).is_missed
    assert not parse_call(minimal(direction="outbound", answered_at=None)).is_missed
    assert not parse_call(minimal(state="initiated", answered_at=None)).is_missed


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-05-11T14:02:11Z", datetime(2026, 5, 11, 14, 2, 11, tzinfo=UTC)),
        ("2026-05-11T14:02:11.250Z", datetime(2026, 5, 11, 14, 2, 11, 250000, tzinfo=UTC)),
        ("2026-05-11T16:02:11+02:00", datetime(2026, 5, 11, 14, 2, 11, tzinfo=UTC)),
        ("2026-05-11T09:02:11-05:00", datetime(2026, 5, 11, 14, 2, 11, tzinfo=UTC)),
        ("2026-05-11T14:02:11", datetime(2026, 5, 11, 14, 2, 11, tzinfo=UTC)),
    ],
)
def test_it_parses_timestamps_as_aware_utc(value, expected):
    call = parse_call(minimal(started_at=value, answered_at=value))
    assert call.started_at == expected
    assert call.started_at.utcoffset() == timedelta(0)
    assert call.answered_at == expected


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00Z",
        "0001-01-01T00:00:00+14:00",  # before year 1 in UTC: converting overflows
        "0001-01-01T00:00:00-12:00",
        "9999-12-31T23:59:59.999999Z",
        "9999-12-31T23:59:59-12:00",  # past year 9999 in UTC: converting overflows
        "9999-12-31T23:59:59+14:00",
        "1969-12-31T23:59:59.999999Z",
        "1970-01-01T00:00:00+00:01",  # 23:59 the day before, in UTC
        "2200-01-01T00:00:00Z",
        "2199-12-31T23:59:59-00:01",
    ],
)
def test_it_drops_a_timestamp_no_call_can_have(value):
    """Outside 1970-2200 UTC a time is unknown, not a bad answer: the call still shows."""
    call = parse_call(minimal(started_at=value, answered_at=value))
    assert call.started_at is None and call.answered_at is None
    assert call.id == "c1"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1970-01-01T00:00:00Z", datetime(1970, 1, 1, tzinfo=UTC)),
        ("1970-01-01T14:00:00+14:00", datetime(1970, 1, 1, tzinfo=UTC)),
        ("2199-12-31T23:59:59.999999Z", datetime(2199, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
        ("2199-12-31T11:59:59-12:00", datetime(2199, 12, 31, 23, 59, 59, tzinfo=UTC)),
        ("2026-05-11T14:02:11.123456789Z", datetime(2026, 5, 11, 14, 2, 11, 123456, tzinfo=UTC)),
        ("2026-05-11T14:02:11,5Z", datetime(2026, 5, 11, 14, 2, 11, 500000, tzinfo=UTC)),
        ("2026-05-11", datetime(2026, 5, 11, tzinfo=UTC)),
    ],
)
def test_it_keeps_every_timestamp_a_call_can_have(value, expected):
    call = parse_call(minimal(started_at=value))
    assert call.started_at == expected
    assert call.started_at.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, 0),
        (1, 1),
        (30 * 24 * 3600, 30 * 24 * 3600),
        (30 * 24 * 3600 + 1, None),
        (2**63, None),
        pytest.param(10**400, None, id="10**400"),  # past any float: an average would overflow
        (-1, None),
        pytest.param(-(10**400), None, id="-10**400"),
    ],
)
def test_it_keeps_durations_a_call_can_have_and_drops_the_rest(value, expected):
    assert parse_call(minimal(duration=value)).duration == expected


def test_it_keeps_the_instant_of_offset_timestamps():
    call = parse_call(minimal(started_at="2026-05-11T23:30:00+05:30"))
    tz = timezone(timedelta(hours=5, minutes=30))
    assert call.started_at == datetime(2026, 5, 11, 23, 30, tzinfo=tz)


@pytest.mark.parametrize(
    "data",
    [
        [],
        "call",
        None,
        {"direction": "inbound", "state": "ended"},  # no id
        minimal(id=""),
        minimal(id="   "),
        minimal(id=42),
        minimal(id=None),
        minimal(state=None),
        minimal(state=3),
        minimal(direction=None),
        minimal(started_at="yesterday"),
        minimal(started_at="2026-13-45T99:00:00Z"),
        minimal(started_at=1715436131),
        minimal(answered_at="soon"),
        minimal(duration="187"),
        minimal(duration=187.5),
        minimal(duration=True),
        minimal(employees="Alex Wong"),
        minimal(employees={"id": "e1", "name": "Alex"}),
        minimal(transcription_segments="Hello"),
        minimal(initiated_by="Alex Wong"),
        minimal(summary={"text": "hi"}),
        minimal(**{"from": 14085550199}),
    ],
)
def test_it_rejects_a_call_of_the_wrong_shape(data):
    with pytest.raises(BadAnswer) as info:
        parse_call(data)
    assert info.value.status == 502
    assert "could not read" in info.value.message


@pytest.mark.parametrize(
    "data",
    [[], {}, {"calls": None}, {"calls": {"id": "c1"}}, {"calls": [minimal(), {"id": 1}]}],
)
def test_it_rejects_a_list_of_the_wrong_shape(data):
    with pytest.raises(BadAnswer):
        parse_call_list(data)


def test_it_accepts_an_empty_list():
    assert parse_call_list({"calls": []}) == []


def test_it_skips_malformed_employees_and_segments():
    call = parse_call(
        minimal(
            employees=[
                {"id": "e1", "name": "Alex Wong"},
                {"id": "e2"},
                {"id": "e3", "name": None},
                {"name": "Sam"},
                "Jo",
                None,
                {},
                {"id": 5, "name": 6},
            ],
            transcription_segments=[
                {"speaker": "Caller", "text": "Hi."},
                {"speaker": "Alex Wong", "text": "Hello!", "employee_id": "e1"},
                {"text": "No speaker."},
                {"speaker": "Caller"},
                {"speaker": "Caller", "text": None},
                {"speaker": "Caller", "text": "   "},
                {"speaker": 7, "text": "Odd speaker.", "employee_id": 9},
                "loose text",
                None,
            ],
            initiated_by={"id": 12},
        )
    )
    assert call.employees == (
        Employee("e1", "Alex Wong"),
        Employee("e2", ""),
        Employee("e3", ""),
        Employee("", "Sam"),
    )
    assert call.segments == (
        TranscriptSegment("Caller", "Hi.", None),
        TranscriptSegment("Alex Wong", "Hello!", "e1"),
        TranscriptSegment("", "No speaker.", None),
        TranscriptSegment("", "Odd speaker.", None),
    )
    assert call.initiated_by is None


def test_it_parses_initiated_by():
    call = parse_call(minimal(direction="outbound", initiated_by={"id": "e1", "name": "Alex"}))
    assert call.initiated_by == Employee("e1", "Alex")


def test_it_reads_no_transcript_when_asked_for_none():
    data = {"calls": [minimal(transcription=7, transcription_segments="not a list")]}
    (call,) = parse_call_list(data, transcripts=False)
    assert call.transcription is None and call.segments is None
    with pytest.raises(BadAnswer):
        parse_call_list(data)


def test_it_keeps_empty_segments_apart_from_missing_ones():
    assert parse_call(minimal(transcription_segments=[])).segments == ()
    assert parse_call(minimal(transcription_segments=None)).segments is None


def test_it_strips_nul_characters():
    call = parse_call(
        minimal(
            id="c\x001",
            summary="Order\x00 #1042",
            transcription_segments=[{"speaker": "Cal\x00ler", "text": "Hi\x00."}],
            employees=[{"id": "e1", "name": "Al\x00ex"}],
            main_number_name="Sa\x00les",
        )
    )
    assert call.id == "c1"
    assert call.summary == "Order #1042"
    assert call.segments == (TranscriptSegment("Caller", "Hi.", None),)
    assert call.employees == (Employee("e1", "Alex"),)
    assert call.main_number_name == "Sales"
