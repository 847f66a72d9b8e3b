"""calls.call_detail.transcript: the conversation as turns, built once per call and query."""

from __future__ import annotations

import pickle

from calls.call_detail import transcript
from calls.phoneinc import Call, Employee, PhoneIncClient, TranscriptSegment, parse_call
from calls.simulator import SEED_COMPANIES
from calls.simulator.seed import VENDOR_EXAMPLE

ALEX = Employee("emp_1", "Alex Wong")
CALL = Call(
    id="call_1",
    from_number="+14085550199",
    to_number="+14155551234",
    direction="inbound",
    state="ended",
    employees=(ALEX,),
    segments=(
        TranscriptSegment("Alex", "Thanks for calling, how can I help?", ALEX.id),
        TranscriptSegment("<script>", "The invoice <b>again</b>.", None),
        TranscriptSegment("<script>", "And the delivery window.", None),
    ),
)


def test_it_renders_every_turn_escaped_in_one_piece_of_html():
    html = transcript.build(CALL).turns_html
    assert html.count('<li class="turn ') == 2  # two speakers, three segments
    assert '<li class="turn turn-employee"><p class="turn-speaker">Alex Wong</p>' in html
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert "The invoice &lt;b&gt;again&lt;/b&gt;." in html


def test_it_dims_the_turns_without_a_match():
    html = transcript.build(CALL, "invoice").turns_html
    assert '<li class="turn turn-employee turn-dim">' in html
    assert "<mark>invoice</mark>" in html


def test_it_gets_only_hashable_calls_from_phone_inc(simulator, simulator_server):
    """build() and the list's rows are memoised by the call itself, with no fallback: every
    record the client gives, as parsed, cached or copied, must hash (tuples, never lists)."""
    calls = [
        parse_call(
            {
                **VENDOR_EXAMPLE,
                "initiated_by": {"id": "e1", "name": "Alex"},
                "recording_url": "https://recordings.example/r.mp3",
            }
        )
    ]
    for seed in SEED_COMPANIES:
        client = PhoneIncClient(seed.api_key, base_url=simulator_server.url)
        listed = client.list_calls(limit=50)
        calls += listed + client.list_calls(limit=50, transcripts=False)
        calls += [client.get_call(call.id) for call in listed if call.has_valid_id]
    assert any(call.segments for call in calls) and any(call.employees for call in calls)
    for call in calls:
        for copy in (call, pickle.loads(pickle.dumps(call)), call.without_recording()):
            hash(copy)  # raises TypeError on a list or dict anywhere inside
