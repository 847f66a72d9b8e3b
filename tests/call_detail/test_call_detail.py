"""The call detail page against the simulator: what a manager reads, and what must never show.

Each test gets a simulator of its own (calls added here never reach another test's list).
"""

from __future__ import annotations

import re
import time
import types

import pytest
from django.utils.html import escape

from calls.answers import store as answers
from calls.display import state_label
from calls.phoneinc import Call
from calls.simulator import OMIT
from calls.sources import window as services
from tests import phoneinc_examples as examples
from tests.conftest import ACME_KEY, GLOBEX_KEY
from tests.sources.test_window import Clock

EXAMPLE_ID = "0193f4ba-1234-7c00-9e3d-2b2b8a7f1c11"
ALEX = {"id": "0193f4b0-aaaa-7c00-9e3d-2b2b8a7f1c20", "name": "Alex Wong"}
PRIYA = {"id": "0193f4b0-aaab-7c00-9e3d-2b2b8a7f1c21", "name": "Priya Patel"}
HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' onmouseover='alert(1)",
    "{{ request.user.password }} {% csrf_token %} {# #}",
    "&lt;b&gt;not bold&lt;/b&gt;",
]
# Every nullable field but the numbers (a null number is a withheld one, tested on its own).
NULLABLE = tuple(name for name in examples.NULLABLE if name not in ("from", "to"))


@pytest.fixture
def simulator(fresh_simulator):
    return fresh_simulator


RELATED = {"HX-Request": "true", "HX-Target": "related"}
TRANSCRIPT = {"HX-Target": "transcript"}


def get_page(client, url: str, params: dict | None = None, **headers) -> tuple[int, str]:
    response = client.get(url, params or {}, headers=headers)
    return response.status_code, response.content.decode()


def squash(text: str) -> str:
    """Whitespace collapsed, so assertions do not depend on template indentation."""
    return re.sub(r"\s+", " ", text)


def heading(page: str) -> str:
    """The page's h1 as text."""
    match = re.search(r"<h1>(.*?)</h1>", page, re.S)
    assert match, "no h1"
    return squash(re.sub(r"<[^>]+>", " ", match.group(1))).strip()


def turns(page: str) -> list[tuple[str, str, str]]:
    """(caller|employee, speaker, text) per transcript turn, in page order."""
    found = re.findall(
        r'<li class="turn turn-(caller|employee)[^"]*"><p class="turn-speaker">(.*?)</p>(.*?)</li>',
        page,
    )
    return [
        (kind, speaker, squash(re.sub(r"<[^>]+>", " ", text)).strip())
        for kind, speaker, text in found
    ]


def section(page: str, css_class: str) -> str:
    match = re.search(rf'<section[^>]*class="card {css_class}".*?</section>', page, re.S)
    assert match, f"no {css_class} section"
    return match.group(0)


def list_requests(sim) -> int:
    return sum(1 for request in sim.requests if request.path == "/api/v1/calls")


def test_it_shows_the_vendor_docs_example(alice_client, simulator):
    status, page = get_page(alice_client, f"/calls/{EXAMPLE_ID}/")

    assert status == 200
    assert heading(page) == "↙ Call from (408) 555-0199"
    assert '<dt>From</dt><dd><span class="nowrap">(408) 555-0199</span></dd>' in page
    assert '<dt>To</dt><dd><span class="nowrap">(415) 555-1234</span></dd>' in page
    assert 'Sales <span class="muted">+1 415-555-1234</span>' in page
    assert '<span class="badge badge-done">Ended</span>' in page
    # 14:02:11Z is 10:02:11 in New York, Acme's time zone, in May (EDT).
    assert "Mon 11 May 2026, 10:02:11 EDT" in page
    assert "Mon 11 May 2026, 10:02:14 EDT" in page
    assert "<dt>Duration</dt><dd>3:07</dd>" in page
    assert "<dt>Employees</dt><dd>Alex Wong</dd>" in page
    assert "Customer asked about the status of order #1042." in section(page, "summary")
    assert turns(page) == [
        ("caller", "Caller", "Hello, I&#x27;m calling about order 1042."),
        ("employee", "Alex Wong", "Sure, let me look that up for you."),
    ]
    assert 'preload="none" src="/calls/0193f4ba-1234-7c00-9e3d-2b2b8a7f1c11/recording/"' in page
    assert "Placed by" not in page  # inbound
    assert "hx-trigger" not in page.split('id="call"')[1].split(">")[0]  # ended, all there
    assert ACME_KEY not in page


def test_it_names_employee_turns_by_employee_id_and_groups_a_speakers_turns(
    alice_client, simulator
):
    call = simulator.add_call(
        ACME_KEY,
        employees=[ALEX, PRIYA],
        transcription_segments=[
            {"speaker": "Caller", "text": "Hi there.", "employee_id": None},
            {"speaker": "Caller", "text": "I have a question.", "employee_id": None},
            {"speaker": "Speaker 2", "text": "Sure.", "employee_id": PRIYA["id"]},
            {"speaker": "Speaker 3", "text": "Hello!", "employee_id": ALEX["id"]},
            {"speaker": "", "text": "   ", "employee_id": None},
            {"speaker": "Alex Wong", "text": "How can we help?", "employee_id": ALEX["id"]},
        ],
    )
    status, page = get_page(alice_client, f"/calls/{call['id']}/")

    assert status == 200
    assert turns(page) == [
        ("caller", "Caller", "Hi there. I have a question."),
        ("employee", "Priya Patel", "Sure."),
        ("employee", "Alex Wong", "Hello! How can we help?"),
    ]
    share = re.findall(r'<span class="speaker-name[^"]*">(.*?)</span>.*?(\d+)%</span>', page)
    assert share == [("Caller", "50"), ("Alex Wong", "42"), ("Priya Patel", "8")]


@pytest.mark.parametrize("missing", [None, OMIT], ids=["null", "omitted"])
def test_it_renders_every_nullable_field_missing(alice_client, simulator, missing):
    fields = dict.fromkeys(NULLABLE, missing)
    fields["recording_url"] = None  # left out, the simulator would mint one as for any call
    call = simulator.add_call(ACME_KEY, from_=missing, to=missing, state="ended", **fields)
    status, page = get_page(alice_client, f"/calls/{call['id']}/")

    assert status == 200
    assert heading(page) == "↙ Call from a withheld number"
    assert '<dt>From</dt><dd><span class="nowrap">Withheld number</span></dd>' in page
    assert "<dt>Line</dt><dd>—</dd>" in page
    assert "<dt>Started</dt><dd>Unknown</dd>" in page
    assert "<dt>Answered</dt><dd>Not answered</dd>" in page
    assert "<dt>Duration</dt><dd>—</dd>" in page
    assert "<dt>Employees</dt><dd>No one</dd>" in page
    assert "Summary pending" in section(page, "summary")
    assert "Not transcribed yet" in section(page, "transcript")
    assert "There is no recording of this call." in page
    assert "<audio" not in page
    assert "Download .txt" not in page
    assert not re.search(r">\s*None\s*<", page)


def test_it_says_so_when_nothing_more_will_come(alice_client, simulator):
    """A call that ended long ago without a summary is not 'pending' any more."""
    call = simulator.add_call(
        ACME_KEY,
        started_at="2026-01-05T15:00:00Z",
        summary=None,
        transcription=None,
        transcription_segments=None,
        recording_url=None,
    )
    status, page = get_page(alice_client, f"/calls/{call['id']}/")

    assert status == 200
    assert "No summary: Phone.inc did not write one for this call." in page
    assert "No transcript: this call was not recorded." in page
    assert "pending" not in page


def test_it_shows_the_full_text_when_there_are_no_segments(alice_client, simulator):
    call = simulator.add_call(
        ACME_KEY,
        transcription="First line.\nSecond line about the invoice.",
        transcription_segments=None,
    )
    status, page = get_page(alice_client, f"/calls/{call['id']}/?q=invoice")

    assert status == 200
    assert turns(page) == []
    assert "First line.<br>Second line about the <mark>invoice</mark>." in page
    assert "1 match for “invoice”" in page


def test_it_shows_an_unknown_state_with_a_neutral_badge(alice_client, simulator):
    call = simulator.add_call(ACME_KEY, state="on_hold_forever")
    status, page = get_page(alice_client, f"/calls/{call['id']}/")

    assert status == 200
    assert '<span class="badge badge-unknown">On hold forever</span>' in page


def test_it_says_withheld_and_leaves_out_other_calls(alice_client, simulator):
    call = simulator.add_call(ACME_KEY, from_="anonymous", direction="inbound")
    simulator.reset_stats()
    status, page = get_page(alice_client, f"/calls/{call['id']}/")

    assert status == 200
    assert "Withheld number" in page
    assert "anonymous" not in page
    assert "Other calls with" not in page
    assert list_requests(simulator) == 0  # nothing to look up


def test_it_shows_who_placed_an_outbound_call(alice_client, simulator):
    call = simulator.add_call(
        ACME_KEY, direction="outbound", to="+442079460958", initiated_by=PRIYA, employees=[PRIYA]
    )
    status, page = get_page(alice_client, f"/calls/{call['id']}/")

    assert status == 200
    assert heading(page) == "↗ Call to +44 20 7946 0958"
    assert "<dt>Placed by</dt><dd>Priya Patel</dd>" in page


@pytest.mark.parametrize("payload", HOSTILE)
def test_it_escapes_hostile_text_in_every_field(alice_client, simulator, payload):
    employee = {"id": "emp-hostile", "name": payload}
    everywhere = {
        "from_": payload,
        "to": payload,
        "summary": payload,
        "transcription": payload,
        "main_number_name": payload,
        "main_number_formatted": payload,
        "employees": [employee],
        "initiated_by": employee,
    }
    with_segments = simulator.add_call(
        ACME_KEY,
        direction="outbound",
        transcription_segments=[
            {"speaker": payload, "text": payload, "employee_id": None},
            {"speaker": "Agent", "text": f"{payload} again", "employee_id": "emp-hostile"},
        ],
        **everywhere,
    )
    full_text_only = simulator.add_call(
        ACME_KEY,
        transcription_segments=None,
        main_number=payload,
        **{**everywhere, "main_number_formatted": None},
    )
    odd_state = simulator.add_call(ACME_KEY, state=payload, direction=payload, **everywhere)
    escaped = escape(payload)
    pages = {}
    for call in (with_segments, full_text_only, odd_state):
        for params in ({}, {"q": payload}):
            status, page = get_page(alice_client, f"/calls/{call['id']}/", params)
            assert status == 200
            if escaped != payload:
                assert payload not in page
            assert escaped in page
            assert "md5$" not in page  # no template tag in the data was evaluated
            pages[call["id"], bool(params)] = page

    page = pages[with_segments["id"], False]
    assert f'<dt>From</dt><dd><span class="nowrap">{escaped}</span></dd>' in page
    assert f'<dt>To</dt><dd><span class="nowrap">{escaped}</span></dd>' in page
    assert f'<dt>Line</dt><dd>{escaped} <span class="muted">{escaped}</span></dd>' in page
    assert f"<dt>Employees</dt><dd>{escaped}</dd>" in page
    assert f"<dt>Placed by</dt><dd>{escaped}</dd>" in page
    assert f"<p>{escaped}</p>" in section(page, "summary")
    assert turns(page) == [
        ("caller", escaped, escaped),
        ("employee", escaped, f"{escaped} again"),  # named after the employee
    ]
    assert f"<mark>{escaped}</mark>" in pages[with_segments["id"], True]

    page = pages[full_text_only["id"], False]
    assert f'<div class="full-text"><p>{escaped}</p></div>' in page
    assert f'<span class="muted">{escaped}</span>' in page  # main_number
    assert (
        f'<div class="full-text"><p><mark>{escaped}</mark></p></div>'
        in (pages[full_text_only["id"], True])
    )

    page = pages[odd_state["id"], False]
    label = escape(state_label(payload.lower()))
    assert f'<span class="badge badge-unknown">{label}</span>' in page
    assert f'class="direction direction-{escape(payload.lower())}"' in page


def test_it_renders_2000_segments_as_grouped_turns(alice_client, simulator):
    segments = []
    for i in range(2000):
        employee = (i // 3) % 2 == 1  # runs of three segments per speaker
        segments.append(
            {
                "speaker": "Speaker 2" if employee else "Caller",
                "text": f"Segment {i} about the shipment.",
                "employee_id": ALEX["id"] if employee else None,
            }
        )
    call = simulator.add_call(ACME_KEY, employees=[ALEX], transcription_segments=segments)
    status, page = get_page(alice_client, f"/calls/{call['id']}/")

    assert status == 200
    found = turns(page)
    assert len(found) == 667  # 2000 / 3, rounded up
    assert [kind for kind, _, _ in found[:4]] == ["caller", "employee", "caller", "employee"]
    assert {speaker for kind, speaker, _ in found if kind == "employee"} == {"Alex Wong"}
    assert page.count("about the shipment.</p>") == 2000
    assert "Segment 1999 about the shipment." in found[-1][2]

    status, page = get_page(alice_client, f"/calls/{call['id']}/?q=segment 19")
    assert "111 matches for “segment 19”" in page  # 19, 190–199, 1900–1999
    assert page.count("<mark>Segment 19</mark>") == 111


def test_it_highlights_and_counts_matches_in_a_plain_get(alice_client, simulator):
    status, page = get_page(alice_client, f"/calls/{EXAMPLE_ID}/?q=ORDER")

    assert status == 200
    assert "1 match for “ORDER”" in page
    assert "about <mark>order</mark> 1042" in page
    assert 'value="ORDER"' in page
    assert "turn turn-employee turn-dim" in page  # Alex's turn has no match
    assert "<html" in page  # without JavaScript: the whole page

    status, page = get_page(alice_client, f"/calls/{EXAMPLE_ID}/?q=refund")
    assert "0 matches for “refund”" in page
    assert "<mark>" not in page


def test_it_answers_a_search_with_only_the_transcript_fragment(alice_client, simulator):
    status, page = get_page(
        alice_client, f"/calls/{EXAMPLE_ID}/?q=look", HX_Request="true", HX_Target="transcript"
    )

    assert status == 200
    assert page.lstrip().startswith('<section id="transcript"')
    assert page.rstrip().endswith("</section>")
    assert "<html" not in page and 'id="call"' not in page and "Other calls" not in page
    assert "1 match for “look”" in page
    assert "let me <mark>look</mark> that up" in page


def test_it_says_inside_the_transcript_when_a_search_fails(alice_client, simulator, settings):
    """The transcript stays on screen, with a notice in it, instead of a page-level error."""
    settings.PHONEDASH_CACHE_SECONDS = settings.PHONEDASH_STALE_SECONDS = 0  # nothing to show
    status, page = get_page(alice_client, f"/calls/{EXAMPLE_ID}/")
    assert '<div id="transcript-notice" role="status"></div>' in section(page, "transcript")

    simulator.set_fault(status=500)
    response = alice_client.get(
        f"/calls/{EXAMPLE_ID}/", {"q": "order"}, headers={"HX-Request": "true", **TRANSCRIPT}
    )
    assert response.status_code == 503
    assert response["HX-Retarget"] == "#transcript-notice"
    assert response["HX-Reswap"] == "innerHTML"
    assert response["HX-Push-Url"] == "false"
    assert response.content.decode().strip() == (
        '<p class="alert alert-warning">The search could not run just now. '
        "Phone.inc is not answering right now. Try again in a moment.</p>"
    )


def test_it_keeps_the_placeholder_when_the_call_cannot_be_loaded_for_other_calls(
    alice_client, simulator, settings
):
    settings.PHONEDASH_CACHE_SECONDS = settings.PHONEDASH_STALE_SECONDS = 0
    simulator.set_fault(status=404)
    response = alice_client.get(f"/calls/{EXAMPLE_ID}/", headers=RELATED)

    assert response.status_code == 204 and response.content == b""  # htmx swaps nothing


def test_it_escapes_a_hostile_search(alice_client, simulator):
    call = simulator.add_call(
        ACME_KEY,
        transcription_segments=[
            {
                "speaker": "Caller",
                "text": "I typed <b> & <script> in the form.",
                "employee_id": None,
            }
        ],
    )
    expected = {
        "<script>": "<mark>&lt;script&gt;</mark>",
        "<b> &": "<mark>&lt;b&gt; &amp;</mark>",
        '"><script>alert(1)</script>': None,
    }
    for query, highlighted in expected.items():
        status, page = get_page(
            alice_client,
            f"/calls/{call['id']}/",
            {"q": query},
            HX_Request="true",
            HX_Target="transcript",
        )
        assert status == 200
        assert query not in page
        assert f"for “{escape(query)}”" in page
        assert f'value="{escape(query)}"' in page
        if highlighted:
            assert highlighted in page
            assert "1 match for" in page
        else:
            assert "<mark>" not in page and "0 matches for" in page


def test_it_downloads_the_transcript_as_text(alice_client, simulator):
    response = alice_client.get(f"/calls/{EXAMPLE_ID}/transcript.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="call-{EXAMPLE_ID}-transcript.txt"'
    )
    assert response.content.decode() == (
        "Caller: Hello, I'm calling about order 1042.\n"
        "Alex Wong: Sure, let me look that up for you.\n"
    )


def test_it_names_the_download_after_our_own_id(alice_client, simulator, monkeypatch):
    """Phone.inc's echo of the id never reaches a header (a newline there would be a 500)."""
    asked = "0193f4ba-5555-7c00-9e3d-2b2b8a7f1c11"
    echoed = Call(
        id="other\r\nSet-Cookie: sessionid=stolen",
        from_number="+14085550199",
        to_number="+14155551234",
        direction="inbound",
        state="ended",
        transcription="Hello.",
    )
    monkeypatch.setattr(services, "get_call", lambda company, call_id: services.Answer(echoed, 0))
    response = alice_client.get(f"/calls/{asked}/transcript.txt")

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="call-{asked}-transcript.txt"'
    page = alice_client.get(f"/calls/{asked}/").content.decode()
    assert f'href="/calls/{asked}/transcript.txt"' in page  # the page's links use our id too


def test_it_downloads_the_full_text_when_there_are_no_segments(alice_client, simulator):
    call = simulator.add_call(ACME_KEY, transcription="Just the text.", transcription_segments=None)
    response = alice_client.get(f"/calls/{call['id']}/transcript.txt")

    assert response.status_code == 200
    assert response.content.decode() == "Just the text.\n"


def test_it_has_no_download_without_a_transcript(alice_client, simulator):
    call = simulator.add_call(ACME_KEY, transcription=None, transcription_segments=None)
    response = alice_client.get(f"/calls/{call['id']}/transcript.txt")

    assert response.status_code == 404
    assert "no transcript" in response.content.decode()


def related_fragment(client, call_id: str) -> str:
    """What the page's placeholder for other calls with the number loads, once shown."""
    status, page = get_page(client, f"/calls/{call_id}/", **RELATED)
    assert status == 200
    assert page.lstrip().startswith('<section id="related"')
    assert "hx-trigger" not in page  # loaded once, not again and again
    return section(page, "related")


def test_it_loads_other_calls_with_the_number_in_a_request_of_its_own(alice_client, simulator):
    """The page asks Phone.inc one thing, the call: it never waits on two answers in a row."""
    number = "+13125550142"
    simulator.add_call(ACME_KEY, from_=number, started_at="2026-01-02T15:00:00Z")
    this = simulator.add_call(ACME_KEY, from_=number, started_at="2026-01-03T15:00:00Z")
    simulator.reset_stats()
    status, page = get_page(alice_client, f"/calls/{this['id']}/")

    assert status == 200
    assert list_requests(simulator) == 0
    placeholder = section(page, "related")
    assert (
        f'<section id="related" class="card related" aria-labelledby="related-title" '
        f'hx-get="/calls/{this["id"]}/" hx-trigger="load" hx-target="this" hx-swap="outerHTML">'
    ) in placeholder
    assert 'Other calls with <span class="nowrap">(312) 555-0142</span>' in placeholder
    # Without JavaScript, a plain link to the same calls.
    assert '<a href="/calls/?phone_number=%2B13125550142">All calls with this number</a>' in (
        placeholder
    )
    assert "<li>" not in placeholder

    assert "<li>" in related_fragment(alice_client, this["id"])
    assert list_requests(simulator) == 1


def test_it_keeps_the_embedded_layout_in_the_placeholder(alice_client, simulator):
    this = simulator.add_call(ACME_KEY, from_="+13125550142")
    placeholder = section(get_page(alice_client, f"/calls/{this['id']}/?embed=1")[1], "related")

    assert f'hx-get="/calls/{this["id"]}/?embed=1"' in placeholder
    assert "phone_number=%2B13125550142&amp;embed=1" in placeholder


def test_it_shows_the_call_without_waiting_for_other_calls(alice_client, simulator):
    """Phone.inc answering in 1 s: the page takes one answer's time, not two."""
    this = simulator.add_call(ACME_KEY, from_="+13125550142")
    simulator.delay = 1.0
    started = time.monotonic()
    status, _ = get_page(alice_client, f"/calls/{this['id']}/")
    assert status == 200
    assert time.monotonic() - started < 1.8


def test_it_says_so_when_other_calls_cannot_be_listed(alice_client, simulator):
    this = simulator.add_call(ACME_KEY, from_="+13125550142")
    alice_client.get(f"/calls/{this['id']}/")  # the call is cached, as after the page
    simulator.set_fault(status=500, paths=["/api/v1/calls"])
    related = related_fragment(alice_client, this["id"])

    assert "Phone.inc could not list them just now." in related
    assert "All calls with this number" in related


def test_it_lists_other_calls_with_the_number_but_not_this_one(alice_client, simulator):
    number = "+13125550142"
    older = simulator.add_call(ACME_KEY, from_=number, started_at="2026-01-02T15:00:00Z")
    other = simulator.add_call(ACME_KEY, to=number, direction="outbound")
    this = simulator.add_call(ACME_KEY, from_=number, started_at="2026-01-03T15:00:00Z")
    simulator.add_call(ACME_KEY, from_="+13125550143")  # a different number
    simulator.reset_stats()
    related = related_fragment(alice_client, this["id"])

    assert 'Other calls with <span class="nowrap">(312) 555-0142</span>' in related
    linked = re.findall(r'href="/calls/([^/"]+)/"', related)
    assert linked == [other["id"], older["id"]]  # newest first, this call left out
    assert f'href="/calls/?phone_number={number.replace("+", "%2B")}"' in related
    assert [
        r.query.get("phone_number") for r in simulator.requests if r.path == "/api/v1/calls"
    ] == [number]


def test_it_finds_other_calls_for_a_number_phone_inc_sent_in_local_format(alice_client, simulator):
    other = simulator.add_call(ACME_KEY, from_="+13125550188")
    this = simulator.add_call(ACME_KEY, from_="(312) 555-0188")
    related = related_fragment(alice_client, this["id"])

    assert re.findall(r'href="/calls/([^/"]+)/"', related) == [other["id"]]


def test_it_leaves_out_other_calls_it_could_not_link_to(alice_client, simulator):
    number = "+13125550177"
    simulator.add_call(ACME_KEY, id="not/a/valid id", from_=number)
    this = simulator.add_call(ACME_KEY, from_=number)
    related = related_fragment(alice_client, this["id"])

    assert "No other recent calls with this number." in related
    assert "All calls with this number" not in related


@pytest.mark.parametrize(
    "path",
    [
        "/calls/..%2F/",
        "/calls/a.b/",
        "/calls/%2e%2e/",
        "/calls/-leading-dash/",
        "/calls/" + "a" * 65 + "/",
        "/calls/a.b/recording/",
        "/calls/" + "a" * 65 + "/recording/",
        "/calls/a.b/transcript.txt",
        "/calls/a%20b/transcript.txt",
    ],
)
def test_it_answers_an_invalid_id_with_a_404_and_no_upstream_request(alice_client, simulator, path):
    response = alice_client.get(path)

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert simulator.request_count("/") == 0


def test_it_answers_an_unknown_call_with_a_404_page(alice_client, simulator):
    response = alice_client.get("/calls/0193f4ba-0000-7c00-9e3d-2b2b8a7f1c11/")

    assert response.status_code == 404
    assert "Call not found" in response.content.decode()
    assert simulator.request_count("/api/v1/calls/") == 1


@pytest.mark.parametrize("suffix", ["", "recording/", "transcript.txt"])
def test_it_hides_another_companys_call(charlie_client, simulator, suffix):
    response = charlie_client.get(f"/calls/{EXAMPLE_ID}/{suffix}")

    assert response.status_code == 404
    page = response.content.decode()
    assert "Customer asked" not in page and "Alex Wong" not in page
    assert "Location" not in response
    assert {r.company for r in simulator.requests} == {"Globex"}
    assert GLOBEX_KEY not in page


def test_it_says_how_old_a_stale_call_is_in_words(alice_client, simulator, monkeypatch, settings):
    """The same words as the list's banner ("2 minutes ago"), not a duration ("2:00 ago")."""
    clock = Clock()
    fake = types.SimpleNamespace(time=clock.time, monotonic=time.monotonic, sleep=time.sleep)
    monkeypatch.setattr(answers, "time", fake)
    settings.PHONEDASH_CACHE_SECONDS = 15
    call = simulator.add_call(ACME_KEY, state="ended", summary="Order")
    alice_client.get(f"/calls/{call['id']}/")
    clock.advance(120)
    simulator.set_fault(status=503)
    response = alice_client.get(f"/calls/{call['id']}/")
    assert response.status_code == 200
    said = re.search(r"Showing this call as it was ([^.<]*) ago\.", response.content.decode())
    assert said, "no stale note"
    assert said[1] == "2 minutes"
