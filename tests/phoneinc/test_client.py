"""Unit tests for calls/phoneinc/client.py: the requests it sends, failures, retries, deadlines.

HTTP is faked at the seam: a requests adapter mounted on a real Session hands back prepared
responses (or raises requests' own exceptions), and a fake clock stands in for time, so these
tests never touch the network and never actually wait.
"""

from __future__ import annotations

import io
import json
import logging
import time
from email.utils import formatdate
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from calls import phoneinc
from calls.phoneinc import (
    BadAnswer,
    InvalidKey,
    NotFound,
    PhoneIncClient,
    RateLimited,
    Unavailable,
    upstream_stats,
    upstream_stats_reset,
)
from calls.phoneinc import client as client_module
from tests.phoneinc_examples import CALL_ID, LIST_EXAMPLE, RETRIEVE_EXAMPLE, minimal

API_KEY = "pk_live_S3CRET-KEY-0042"
BASE_URL = "https://phone.test/api/v1"


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
    assert client._session is other._session is client_module._SESSION

    adapter = client_module._SESSION.get_adapter("https://phone.test/")
    assert adapter._pool_maxsize == 32
    assert adapter.max_retries.total == 0
    # A cookie Phone.inc sets for one company must never reach another company's request.
    assert client_module._SESSION.cookies._policy.allowed_domains() == ()


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
    monkeypatch.setattr(client_module, "MAX_BODY_BYTES", 1000)
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
