"""Unit tests for calls/phoneinc.py.

HTTP is faked at the seam: a requests adapter mounted on a real Session hands back prepared
responses (or raises requests' own exceptions), and a fake clock stands in for time, so these
tests never touch the network and never actually wait.
"""

from __future__ import annotations

import io
import json
import logging
import pickle
import time
from datetime import UTC, datetime, timedelta, timezone
from email.utils import formatdate
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from calls import phoneinc
from calls.phoneinc import (
    BadAnswer,
    Call,
    Employee,
    InvalidKey,
    NotFound,
    PhoneIncClient,
    PhoneIncError,
    RateLimited,
    TranscriptSegment,
    Unavailable,
    is_valid_call_id,
    parse_call,
    parse_call_list,
    upstream_stats,
    upstream_stats_reset,
)

API_KEY = "pk_live_S3CRET-KEY-0042"
BASE_URL = "https://phone.test/api/v1"

# The two example answers from the Phone.inc Calls API reference, verbatim.
LIST_EXAMPLE = """{
  "calls": [
    {
      "id": "0193f4ba-1234-7c00-9e3d-2b2b8a7f1c11",
      "from": "+14085550199",
      "to": "+14155551234",
      "direction": "inbound",
      "state": "ended",
      "started_at": "2026-05-11T14:02:11Z",
      "answered_at": "2026-05-11T14:02:14Z",
      "duration": 187,
      "summary": "Customer asked about the status of order #1042.",
      "transcription": "Hello, I'm calling about order 1042...",
      "transcription_segments": [
        { "speaker": "Caller", "text": "Hello, I'm calling about order 1042.", "employee_id": null },
        { "speaker": "Alex Wong", "text": "Sure, let me look that up for you.", "employee_id": "0193f4b0-aaaa-7c00-9e3d-2b2b8a7f1c20" }
      ],
      "recording_url": "https://app.phone.inc/rails/active_storage/blobs/redirect/.../recording.mp3",
      "main_number_id": "0193f4a9-7c34-7c00-9e3d-2b2b8a7f1c01",
      "main_number_name": "Sales",
      "main_number": "+14155551234",
      "main_number_formatted": "+1 415-555-1234",
      "employees": [
        {
          "id": "0193f4b0-aaaa-7c00-9e3d-2b2b8a7f1c20",
          "name": "Alex Wong"
        }
      ]
    }
  ]
}"""  # noqa: E501

RETRIEVE_EXAMPLE = """{
  "id": "0193f4ba-1234-7c00-9e3d-2b2b8a7f1c11",
  "from": "+14085550199",
  "to": "+14155551234",
  "direction": "inbound",
  "state": "bridged",
  "started_at": "2026-05-11T14:02:11Z",
  "answered_at": "2026-05-11T14:02:14Z",
  "duration": null,
  "summary": null,
  "transcription": null,
  "transcription_segments": null,
  "recording_url": null,
  "main_number_id": "0193f4a9-7c34-7c00-9e3d-2b2b8a7f1c01",
  "main_number_name": "Sales",
  "main_number": "+14155551234",
  "main_number_formatted": "+1 415-555-1234",
  "employees": [
    {
      "id": "0193f4b0-aaaa-7c00-9e3d-2b2b8a7f1c20",
      "name": "Alex Wong"
    }
  ]
}"""

CALL_ID = "0193f4ba-1234-7c00-9e3d-2b2b8a7f1c11"
ALEX = Employee(id="0193f4b0-aaaa-7c00-9e3d-2b2b8a7f1c20", name="Alex Wong")


def minimal(**fields: object) -> dict[str, object]:
    """The smallest call object Phone.inc could send, with `fields` on top."""
    data: dict[str, object] = {
        "id": "c1",
        "from": "+14085550199",
        "to": "+14155551234",
        "direction": "inbound",
        "state": "ended",
    }
    data.update(fields)
    return data


# --------------------------------------------------------------------------------------------
# The seam


class FakeClock:
    """time.monotonic and time.sleep in one: sleeping moves the clock on."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Reply:
    """One scripted upstream answer; `takes` seconds of fake time pass while it comes."""

    def __init__(
        self,
        status: int = 200,
        body: object = None,
        *,
        headers: dict[str, str] | None = None,
        takes: float = 0.0,
    ) -> None:
        self.status = status
        if body is None:
            body = b""
        elif isinstance(body, str):
            body = body.encode()
        elif not isinstance(body, bytes):
            body = json.dumps(body).encode()
        self.body = body
        self.headers = {"Content-Type": "application/json", **(headers or {})}
        self.takes = takes


class Fail:
    """One scripted transport failure, raised after `takes` seconds of fake time."""

    def __init__(self, exc: Exception, *, takes: float = 0.0) -> None:
        self.exc = exc
        self.takes = takes


class FakeAdapter(BaseAdapter):
    """Answers from a script and remembers every request and the timeouts it was given."""

    def __init__(self, script: list[Reply | Fail], clock: FakeClock) -> None:
        super().__init__()
        self.script = list(script)
        self.clock = clock
        self.requests: list[requests.PreparedRequest] = []
        self.timeouts: list[object] = []

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        self.requests.append(request)
        self.timeouts.append(timeout)
        assert self.script, "more requests than the test scripted"
        item = self.script.pop(0)
        self.clock.now += item.takes
        if isinstance(item, Fail):
            raise item.exc
        response = requests.Response()
        response.status_code = item.status
        response.headers = CaseInsensitiveDict(item.headers)
        response.raw = io.BytesIO(item.body)
        response.url = request.url
        response.request = request
        response.reason = "scripted"
        return response

    def close(self) -> None:
        pass


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake(clock):
    """fake(*script, **client_kwargs) -> (client, adapter)."""

    def make(*script: Reply | Fail, **kwargs):
        adapter = FakeAdapter(list(script), clock)
        session = requests.Session()
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        client = PhoneIncClient(
            API_KEY,
            base_url=BASE_URL,
            session=session,
            sleep=clock.sleep,
            clock=clock,
            **kwargs,
        )
        return client, adapter

    return make


def assert_no_key(exc: BaseException) -> None:
    assert API_KEY not in str(exc)
    assert API_KEY not in repr(exc)
    assert API_KEY not in getattr(exc, "detail", "")


# --------------------------------------------------------------------------------------------
# Parsing


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
    nullable = (
        "from",
        "to",
        "started_at",
        "answered_at",
        "duration",
        "summary",
        "transcription",
        "transcription_segments",
        "recording_url",
        "main_number_id",
        "main_number_name",
        "main_number",
        "main_number_formatted",
        "employees",
        "initiated_by",
    )
    data = dict.fromkeys(nullable)
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
        minimal(duration=-1),
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


def test_it_makes_records_that_pickle_and_stay_frozen():
    call = parse_call_list(json.loads(LIST_EXAMPLE))[0]
    assert pickle.loads(pickle.dumps(call)) == call
    with pytest.raises(AttributeError):
        call.state = "bridged"  # type: ignore[misc]
    assert not hasattr(call, "__dict__")  # slots: small in the cache


def test_it_drops_the_recording_for_caching():
    call = parse_call_list(json.loads(LIST_EXAMPLE))[0]
    cacheable = call.without_recording()
    assert cacheable.recording_url is None
    assert cacheable.summary == call.summary
    assert call.recording_url is not None  # the original is untouched


@pytest.mark.parametrize("value", ["c1", CALL_ID, "A_b-9", "x" * 64])
def test_it_accepts_plain_call_ids(value):
    assert is_valid_call_id(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        ".",
        "..",
        "../x",
        "a/b",
        "%2F",
        "a\r\nb",
        "a\n",
        "-a",
        "_a",
        "x" * 65,
        "a b",
        "é",
        None,
        5,
    ],
)
def test_it_rejects_odd_call_ids(value):
    assert not is_valid_call_id(value)


# --------------------------------------------------------------------------------------------
# Errors


def test_it_writes_error_messages_for_people():
    assert InvalidKey().message == (
        "Phone.inc did not accept this company's API key. Ask your administrator to check it."
    )
    assert InvalidKey().status == 502
    assert NotFound().status == 404
    assert Unavailable().status == 503
    assert BadAnswer().status == 502
    assert RateLimited(45).status == 429
    assert "45 seconds" in RateLimited(45).message
    assert "2 minutes" in RateLimited(120).message
    assert str(Unavailable()) == Unavailable().message
    for cls in (InvalidKey, NotFound, RateLimited, Unavailable, BadAnswer):
        assert issubclass(cls, PhoneIncError)


def test_it_pickles_errors():
    exc = pickle.loads(pickle.dumps(RateLimited(90, detail="HTTP 429", upstream_status=429)))
    assert isinstance(exc, RateLimited)
    assert exc.retry_after == 90
    assert exc.upstream_status == 429
    assert exc.message == RateLimited(90).message


# --------------------------------------------------------------------------------------------
# HTTP: requests we send


def test_it_lists_calls(fake):
    client, adapter = fake(Reply(200, LIST_EXAMPLE))
    calls = client.list_calls()

    assert [c.id for c in calls] == [CALL_ID]
    (request,) = adapter.requests
    assert request.method == "GET"
    assert request.url == f"{BASE_URL}/calls"  # no parameters unless given


def test_it_sends_the_key_and_a_product_user_agent(fake):
    client, adapter = fake(Reply(200, LIST_EXAMPLE))
    client.list_calls()

    headers = adapter.requests[0].headers
    assert headers["X-Api-Key"] == API_KEY
    assert headers["User-Agent"].startswith("phonedash/0.1 (+https://github.com/phonedash)")
    assert f"python-requests/{requests.__version__}" in headers["User-Agent"]
    assert headers["Accept"] == "application/json"
    assert "Authorization" not in headers
    assert "Cookie" not in headers


def test_it_sends_only_given_parameters(fake):
    client, adapter = fake(Reply(200, LIST_EXAMPLE), Reply(200, LIST_EXAMPLE))
    client.list_calls(phone_number="+14085550199", direction="inbound", state="ended", limit=25)
    client.list_calls(phone_number="", direction=None, state="", limit=None)

    first, second = adapter.requests
    query = urlsplit(first.url).query
    assert parse_qs(query) == {
        "phone_number": ["+14085550199"],
        "direction": ["inbound"],
        "state": ["ended"],
        "limit": ["25"],
    }
    assert "phone_number=%2B14085550199" in query  # the plus is not read as a space
    assert second.url == f"{BASE_URL}/calls"


def test_it_passes_unknown_but_well_formed_states(fake):
    client, adapter = fake(Reply(200, {"calls": []}))
    assert client.list_calls(state="on_hold") == []
    assert "state=on_hold" in adapter.requests[0].url


@pytest.mark.parametrize(
    "kwargs",
    [
        {"direction": "sideways"},
        {"direction": "INBOUND"},
        {"state": "Ended"},
        {"state": "ended&limit=50"},
        {"state": "x" * 33},
        {"limit": 0},
        {"limit": 51},
        {"limit": -1},
        {"limit": "10"},
        {"limit": True},
        {"limit": 2.5},
        {"phone_number": "4085550199"},
        {"phone_number": "+1 408 555 0199"},
        {"phone_number": "+04085550199"},
        {"phone_number": "+1408555019912345"},
        {"phone_number": "+14085550199\n"},
        {"phone_number": "+１４０８５５５０１９９"},
    ],
)
def test_it_refuses_bad_parameters_before_any_request(fake, kwargs):
    client, adapter = fake()
    with pytest.raises(ValueError):
        client.list_calls(**kwargs)
    assert adapter.requests == []


def test_it_gets_a_call(fake):
    client, adapter = fake(Reply(200, RETRIEVE_EXAMPLE))
    call = client.get_call(CALL_ID)

    assert call.id == CALL_ID
    assert call.state == "bridged"
    assert adapter.requests[0].url == f"{BASE_URL}/calls/{CALL_ID}"


@pytest.mark.parametrize(
    "call_id", ["../x", "a/b", "%2F", "a\r\nb", "", "x" * 65, ".", "..", "a?b", "a#b", "a b"]
)
def test_it_refuses_odd_call_ids_without_a_request(fake, call_id):
    client, adapter = fake()
    with pytest.raises(NotFound) as info:
        client.get_call(call_id)
    assert info.value.status == 404
    assert adapter.requests == []


def test_it_uses_a_trailing_slash_base_url(clock):
    adapter = FakeAdapter([Reply(200, {"calls": []})], clock)
    session = requests.Session()
    session.mount("https://", adapter)
    client = PhoneIncClient(API_KEY, base_url=BASE_URL + "/", session=session, clock=clock)
    client.list_calls()
    assert adapter.requests[0].url == f"{BASE_URL}/calls"


def test_it_does_not_show_the_key_in_repr():
    client = PhoneIncClient(API_KEY, base_url=BASE_URL)
    assert API_KEY not in repr(client)
    assert API_KEY not in repr(vars(client) if hasattr(client, "__dict__") else client)
    assert BASE_URL in repr(client)


@pytest.mark.parametrize("key", ["", "   ", "abc\r\nX-Evil: 1", "abc def", "clé"])
def test_it_refuses_unusable_keys_without_echoing_them(key):
    with pytest.raises(ValueError) as info:
        PhoneIncClient(key, base_url=BASE_URL)
    if key.strip():
        assert key not in str(info.value)


@pytest.mark.parametrize("url", ["", "phone.test/api", "ftp://phone.test", "https://"])
def test_it_refuses_unusable_base_urls(url):
    with pytest.raises(ValueError):
        PhoneIncClient(API_KEY, base_url=url)


def test_it_uses_a_pooled_shared_session_without_urllib3_retries():
    client = PhoneIncClient(API_KEY, base_url=BASE_URL)
    other = PhoneIncClient("another-key", base_url=BASE_URL)
    assert client._session is other._session is phoneinc._SESSION

    adapter = phoneinc._SESSION.get_adapter("https://phone.test/")
    assert adapter._pool_maxsize == 32
    assert adapter.max_retries.total == 0
    # A cookie Phone.inc sets for one company must never reach another company's request.
    assert phoneinc._SESSION.cookies._policy.allowed_domains() == ()


def test_it_gives_connect_and_read_timeouts(fake):
    client, adapter = fake(Reply(200, {"calls": []}), timeout=8.0)
    client.list_calls()
    connect, read = adapter.timeouts[0]
    assert connect <= 3.05
    assert read == 8.0


def test_it_does_not_follow_redirects(fake):
    client, adapter = fake(Reply(302, b"", headers={"Location": "https://elsewhere.test/steal"}))
    with pytest.raises(BadAnswer):
        client.list_calls()
    assert len(adapter.requests) == 1


# --------------------------------------------------------------------------------------------
# HTTP: failures


@pytest.mark.parametrize("status", [401, 403])
def test_it_reports_a_refused_key(fake, status):
    client, adapter = fake(Reply(status, {"error": f"invalid key {API_KEY}"}))
    with pytest.raises(InvalidKey) as info:
        client.list_calls()

    exc = info.value
    assert exc.status == 502
    assert exc.upstream_status == status
    assert "API key" in exc.message
    assert_no_key(exc)
    assert len(adapter.requests) == 1


def test_it_reports_a_missing_call(fake):
    client, adapter = fake(Reply(404, {"error": "not found"}))
    with pytest.raises(NotFound) as info:
        client.get_call("c404")
    assert info.value.status == 404
    assert "not found" in info.value.message
    assert len(adapter.requests) == 1


def test_it_reports_a_404_on_the_list_as_a_configuration_problem(fake):
    client, _ = fake(Reply(404, "<h1>Not Found</h1>", headers={"Content-Type": "text/html"}))
    with pytest.raises(NotFound) as info:
        client.list_calls()
    assert info.value.status == 502
    assert "administrator" in info.value.message


@pytest.mark.parametrize("status", [400, 405, 409, 422])
def test_it_does_not_retry_client_errors(fake, status):
    client, adapter = fake(Reply(status, {"error": "bad"}))
    with pytest.raises(BadAnswer) as info:
        client.list_calls()
    assert info.value.status == 502
    assert info.value.upstream_status == status
    assert len(adapter.requests) == 1


def test_it_does_not_retry_a_500(fake):
    client, adapter = fake(Reply(500, "oops"))
    with pytest.raises(Unavailable) as info:
        client.list_calls()
    assert info.value.status == 503
    assert len(adapter.requests) == 1


@pytest.mark.parametrize("status", [502, 503, 504])
def test_it_retries_gateway_errors_then_succeeds(fake, clock, status):
    client, adapter = fake(Reply(status), Reply(status), Reply(200, LIST_EXAMPLE))
    calls = client.list_calls()

    assert len(calls) == 1
    assert len(adapter.requests) == 3
    first, second = clock.sleeps
    assert 0.15 <= first <= 0.25  # ~0.2 s with jitter
    assert 0.3 <= second <= 0.5  # ~0.4 s with jitter


@pytest.mark.parametrize("status", [502, 503, 504])
def test_it_gives_up_after_two_retries(fake, clock, status):
    client, adapter = fake(Reply(status), Reply(status), Reply(status))
    with pytest.raises(Unavailable) as info:
        client.list_calls()

    assert len(adapter.requests) == 3
    assert len(clock.sleeps) == 2
    assert info.value.status == 503
    assert "not answering" in info.value.message
    assert_no_key(info.value)


def test_it_retries_connection_errors(fake):
    client, adapter = fake(
        Fail(requests.ConnectionError("connection refused")),
        Fail(requests.ConnectionError("connection reset")),
        Reply(200, RETRIEVE_EXAMPLE),
    )
    assert client.get_call(CALL_ID).id == CALL_ID
    assert len(adapter.requests) == 3


def test_it_reports_connection_errors_after_retries(fake):
    client, adapter = fake(*[Fail(requests.ConnectionError("refused")) for _ in range(3)])
    with pytest.raises(Unavailable) as info:
        client.list_calls()
    assert len(adapter.requests) == 3
    assert info.value.status == 503
    assert_no_key(info.value)
    assert info.value.__cause__ is None  # the requests exception is not dragged along


def test_it_retries_read_timeouts_and_says_it_was_slow(fake):
    client, adapter = fake(*[Fail(requests.ReadTimeout("read timed out")) for _ in range(3)])
    with pytest.raises(Unavailable) as info:
        client.list_calls()
    assert len(adapter.requests) == 3
    assert "took too long" in info.value.message


def test_it_retries_a_connect_timeout(fake):
    client, adapter = fake(Fail(requests.ConnectTimeout("connect")), Reply(200, {"calls": []}))
    assert client.list_calls() == []
    assert len(adapter.requests) == 2


def test_it_retries_a_broken_body(fake):
    client, adapter = fake(
        Fail(requests.exceptions.ChunkedEncodingError("broken")), Reply(200, {"calls": []})
    )
    assert client.list_calls() == []
    assert len(adapter.requests) == 2


def test_it_reports_a_body_it_cannot_decompress(fake):
    client, adapter = fake(Fail(requests.exceptions.ContentDecodingError("bad gzip")))
    with pytest.raises(BadAnswer):
        client.list_calls()
    assert len(adapter.requests) == 1


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        ("not json at all", {}),
        ("<html><body>Bad gateway</body></html>", {"Content-Type": "text/html"}),
        ('{"calls": [', {}),
        ("", {}),
        ('{"calls": NaN}', {}),
        ("[1, 2, 3]", {}),
        ('{"calls": "none"}', {}),
        ('{"data": []}', {}),
        ('{"calls": []}', {"Content-Type": "text/html; charset=utf-8"}),
        (b"\xff\xfe\xfa", {}),
    ],
)
def test_it_reports_answers_it_cannot_read(fake, body, headers):
    client, adapter = fake(Reply(200, body, headers=headers))
    with pytest.raises(BadAnswer) as info:
        client.list_calls()
    assert info.value.status == 502
    assert len(adapter.requests) == 1  # a bad answer is not retried


def test_it_reports_a_call_answer_of_the_wrong_shape(fake):
    client, _ = fake(Reply(200, {"calls": [minimal()]}))
    with pytest.raises(BadAnswer):
        client.get_call("c1")


def test_it_refuses_an_oversized_answer(fake, monkeypatch):
    monkeypatch.setattr(phoneinc.client, "MAX_BODY_BYTES", 1000)
    client, _ = fake(Reply(200, {"calls": [minimal(summary="x" * 2000)]}))
    with pytest.raises(BadAnswer):
        client.list_calls()


# --------------------------------------------------------------------------------------------
# HTTP: 429 and Retry-After


def test_it_waits_out_a_short_retry_after(fake, clock):
    client, adapter = fake(Reply(429, headers={"Retry-After": "1"}), Reply(200, LIST_EXAMPLE))
    assert len(client.list_calls()) == 1
    assert len(adapter.requests) == 2
    assert clock.sleeps == [1.0]


def test_it_waits_for_a_rate_limit_only_once(fake, clock):
    client, adapter = fake(
        Reply(429, headers={"Retry-After": "1"}), Reply(429, headers={"Retry-After": "1"})
    )
    with pytest.raises(RateLimited) as info:
        client.list_calls()
    assert len(adapter.requests) == 2
    assert info.value.retry_after == 1
    assert "1 second" in info.value.message


def test_it_hands_a_long_retry_after_to_the_user(fake, clock):
    client, adapter = fake(Reply(429, headers={"Retry-After": "120"}))
    with pytest.raises(RateLimited) as info:
        client.list_calls()

    exc = info.value
    assert exc.retry_after == 120
    assert exc.status == 429
    assert "2 minutes" in exc.message
    assert_no_key(exc)
    assert len(adapter.requests) == 1
    assert clock.sleeps == []


def test_it_assumes_30_seconds_without_retry_after(fake):
    client, _ = fake(Reply(429))
    with pytest.raises(RateLimited) as info:
        client.list_calls()
    assert info.value.retry_after == 30
    assert "30 seconds" in info.value.message


def test_it_assumes_30_seconds_for_a_garbled_retry_after(fake):
    client, _ = fake(Reply(429, headers={"Retry-After": "soon-ish"}))
    with pytest.raises(RateLimited) as info:
        client.list_calls()
    assert info.value.retry_after == 30


def test_it_reads_retry_after_as_an_http_date(fake):
    when = formatdate(time.time() + 120, usegmt=True)
    client, _ = fake(Reply(429, headers={"Retry-After": when}))
    with pytest.raises(RateLimited) as info:
        client.list_calls()
    assert 115 <= info.value.retry_after <= 121


def test_it_retries_at_once_for_a_past_http_date(fake, clock):
    when = formatdate(time.time() - 60, usegmt=True)
    client, adapter = fake(Reply(429, headers={"Retry-After": when}), Reply(200, {"calls": []}))
    assert client.list_calls() == []
    assert clock.sleeps == [0.0]
    assert len(adapter.requests) == 2


def test_it_does_not_wait_out_a_retry_after_past_the_deadline(fake, clock):
    client, adapter = fake(Reply(429, headers={"Retry-After": "2"}, takes=8.5))
    with pytest.raises(RateLimited) as info:
        client.list_calls()
    assert info.value.retry_after == 2
    assert len(adapter.requests) == 1
    assert clock.sleeps == []


# --------------------------------------------------------------------------------------------
# HTTP: the total deadline


def test_it_keeps_retries_inside_the_total_deadline(fake, clock):
    start = clock.now
    client, adapter = fake(
        Reply(503, takes=4.8), Reply(503, takes=4.8), Reply(200, {"calls": []}), total_timeout=10.0
    )
    with pytest.raises(Unavailable):
        client.list_calls()

    assert len(adapter.requests) == 2  # a third attempt would not have had enough time
    assert clock.now - start <= 10.0
    (_, first_read), (_, second_read) = adapter.timeouts
    assert first_read == 8.0
    assert second_read <= 10.0 - 4.8 - clock.sleeps[0] + 1e-9  # shrinks to what is left


def test_it_retries_with_the_time_left(fake, clock):
    client, adapter = fake(Fail(requests.ReadTimeout("slow"), takes=8.0), Reply(200, {"calls": []}))
    assert client.list_calls() == []
    # 2 s were left: one more attempt fits, but it gets at most what remains of them.
    connect, read = adapter.timeouts[1]
    assert read <= 2.0 - clock.sleeps[0] + 1e-9
    assert connect <= read


def test_it_never_gives_an_attempt_more_than_the_time_left(fake, clock):
    client, adapter = fake(
        Fail(requests.ReadTimeout("slow"), takes=8.0),
        Fail(requests.ReadTimeout("slow"), takes=1.5),
        total_timeout=10.0,
    )
    start = clock.now
    with pytest.raises(Unavailable) as info:
        client.list_calls()
    assert "took too long" in info.value.message
    assert len(adapter.requests) == 2
    connect, read = adapter.timeouts[1]
    assert read <= 10.0 - 8.0
    assert connect <= read
    assert clock.now - start <= 10.0


def test_it_stops_reading_a_body_past_the_deadline(fake, clock):
    client, _ = fake(Reply(200, {"calls": []}, takes=10.5), total_timeout=10.0)
    with pytest.raises(Unavailable) as info:
        client.list_calls()
    assert "took too long" in info.value.message


def test_it_keeps_a_short_total_timeout(fake, clock):
    client, adapter = fake(Reply(503), Reply(503), total_timeout=0.4, timeout=8.0)
    with pytest.raises(Unavailable):
        client.list_calls()
    assert len(adapter.requests) == 1  # no time for a retry
    assert adapter.timeouts[0] == pytest.approx((0.4, 0.4))


def test_it_keeps_inside_the_requests_deadline_when_that_comes_first(fake, clock):
    """A page's deadline, set once per request, bounds each client call within it."""
    client, adapter = fake(
        Fail(requests.ReadTimeout("slow"), takes=2.5), Reply(200, {"calls": []}), total_timeout=10
    )
    with phoneinc.request_deadline(3.0), pytest.raises(Unavailable):
        client.list_calls()  # 0.5 s left after the first attempt: too little for another
    assert len(adapter.requests) == 1
    connect, read = adapter.timeouts[0]
    assert read <= 3.0 and connect <= read


def test_it_really_does_not_sleep_in_tests(fake):
    started = time.monotonic()
    client, _ = fake(Reply(503), Reply(503), Reply(503))
    with pytest.raises(Unavailable):
        client.list_calls()
    assert time.monotonic() - started < 1.0


# --------------------------------------------------------------------------------------------
# Logging and per-request statistics


def test_it_logs_each_attempt_without_the_key(fake, caplog):
    caplog.set_level(logging.INFO, logger="phonedash.upstream")
    client, _ = fake(Reply(503), Reply(200, RETRIEVE_EXAMPLE))
    client.get_call(CALL_ID)

    records = [r for r in caplog.records if r.name == "phonedash.upstream"]
    assert len(records) == 2
    first, second = (r.getMessage() for r in records)
    assert first.startswith(f"GET /api/v1/calls/{CALL_ID} -> 503 in ")
    assert "(attempt 1)" in first
    assert f"GET /api/v1/calls/{CALL_ID} -> 200 in " in second
    assert "(attempt 2)" in second
    assert "phone.test" not in first
    assert records[1].upstream_attempt == 2
    assert records[1].upstream_outcome == "200"
    assert API_KEY not in caplog.text


def test_it_logs_the_query_and_error_class(fake, caplog):
    caplog.set_level(logging.INFO, logger="phonedash.upstream")
    client, _ = fake(Fail(requests.ConnectionError("refused")), Reply(200, {"calls": []}))
    client.list_calls(phone_number="+14085550199", limit=5)

    messages = [r.getMessage() for r in caplog.records if r.name == "phonedash.upstream"]
    assert messages[0].startswith(
        "GET /api/v1/calls?phone_number=********0199&limit=5 -> ConnectionError in "
    )
    assert "4085550199" not in caplog.text, "a caller's number is personal data"
    assert "-> 200 in" in messages[1]
    assert API_KEY not in caplog.text


def test_it_logs_failures_without_the_key(fake, caplog):
    caplog.set_level(logging.DEBUG)
    client, _ = fake(Reply(401, {"error": "bad key"}))
    with pytest.raises(InvalidKey):
        client.list_calls()
    assert "-> 401 in" in caplog.text
    assert API_KEY not in caplog.text


def test_it_counts_upstream_time(fake, clock):
    upstream_stats_reset()
    assert upstream_stats() == (0, 0.0)

    client, _ = fake(Reply(503, takes=0.25), Reply(200, {"calls": []}, takes=0.5))
    client.list_calls()

    count, seconds = upstream_stats()
    assert count == 2
    assert seconds == pytest.approx(0.75)

    upstream_stats_reset()
    assert upstream_stats() == (0, 0.0)


def test_it_counts_invalid_ids_as_no_upstream_time(fake):
    upstream_stats_reset()
    client, _ = fake()
    with pytest.raises(NotFound):
        client.get_call("../etc")
    assert upstream_stats() == (0, 0.0)
