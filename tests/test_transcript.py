"""calls.transcript: the conversation as turns, built once per call and query."""

from __future__ import annotations

import pickle

from calls import transcript
from calls.phoneinc import Call, Employee, TranscriptSegment

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


def test_it_builds_once_per_call_and_query():
    first = transcript.build(CALL, "invoice")
    again = transcript.build(pickle.loads(pickle.dumps(CALL)), " invoice ")  # as from the cache
    assert again is first
    assert transcript.build(CALL, "delivery") is not first


def test_it_builds_a_call_that_cannot_be_hashed():
    odd = Call(**{**{name: getattr(CALL, name) for name in CALL.__slots__}, "employees": [ALEX]})
    assert "Alex Wong" in transcript.build(odd).turns_html
