"""Unit tests for calls/phoneinc/records.py: the records, the call states, the call-id alphabet."""

from __future__ import annotations

import json
import pickle

import pytest

from calls import phoneinc
from calls.phoneinc import STATES, CallState, call_state, is_valid_call_id, parse_call_list
from tests.phoneinc_examples import CALL_ID, LIST_EXAMPLE, minimal

# The lifecycle in the vendor doc (docs/phone-inc-calls-api.txt, "Call states"), in order.
DOCUMENTED_STATES = (
    "initiated",
    "answered",
    "playing_audio",
    "transferring",
    "recording",
    "bridged",
    "ended",
)


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
# Call states


def test_it_lists_every_documented_state_once_in_order():
    assert tuple(state.value for state in STATES) == DOCUMENTED_STATES


def test_it_looks_up_a_known_state_in_the_table():
    assert call_state("bridged") == CallState("bridged", "In conversation", "active", True)
    assert call_state("initiated").label == "Ringing"
    assert call_state("initiated").tone == "ringing"
    assert all(call_state(state.value) is state for state in STATES)


def test_it_calls_only_ended_calls_over():
    assert [state.value for state in STATES if not state.is_live] == ["ended"]


@pytest.mark.parametrize(
    ("value", "label"), [("on_hold", "On hold"), ("parked", "Parked"), ("", "Unknown")]
)
def test_it_gives_unknown_states_a_neutral_entry(value, label):
    state = call_state(value)
    assert state == CallState(value, label, "unknown", is_live=True)
    assert state.tone not in {known.tone for known in STATES}


def test_it_reads_liveness_from_the_table():
    for state in STATES:
        call = phoneinc.parse_call(minimal(state=state.value))
        assert call.is_live is state.is_live
        assert call.is_ended is not state.is_live
    assert phoneinc.parse_call(minimal(state="parked")).is_live
