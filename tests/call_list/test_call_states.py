"""One table of call states: the list filter, the badges and the summary strip read the same words.

The table itself is tested in test_phoneinc_records.py; these tests hold its readers to it.
"""

from __future__ import annotations

from calls import display, phoneinc
from calls.filters.forms import CallFilterForm
from calls.phoneinc import STATES, Call
from calls.simulator import api as simulator_api
from calls.sources.stats import summarize


def call(state: str) -> Call:
    return Call(
        id="c1",
        from_number="+14085550199",
        to_number="+14155551234",
        direction="inbound",
        state=state,
    )


def test_it_labels_the_filters_states_as_the_badges_do():
    choices = dict(CallFilterForm().fields["state"].choices)
    assert choices.pop("") == "Any state"
    assert choices == {state.value: display.state_label(state.value) for state in STATES}


def test_it_offers_every_state_in_the_table_in_order():
    values = [value for value, _ in CallFilterForm().fields["state"].choices if value]
    assert values == [state.value for state in STATES]


def test_it_badges_every_state_from_the_table():
    for state in STATES:
        assert display.state_label(state.value) == state.label
        assert display.state_tone(state.value) == state.tone


def test_it_badges_an_unknown_state_neutrally():
    assert display.state_label("on_hold") == "On hold"
    assert display.state_tone("on_hold") == "unknown"


def test_it_counts_live_calls_by_the_table():
    calls = [call(state.value) for state in STATES] + [call("parked")]
    assert summarize(calls).live == sum(state.is_live for state in STATES) + 1


def test_it_knows_the_states_the_simulator_sends():
    # The simulator keeps the vendor's own list; the client's table must cover all of it.
    assert {state.value for state in STATES} == set(simulator_api.STATES)


def test_it_uses_the_clients_limits_in_the_filter():
    form = CallFilterForm({"limit": str(phoneinc.MAX_LIMIT + 1)})
    assert not form.is_valid()
    assert form.errors["limit"] == [f"Phone.inc returns at most {phoneinc.MAX_LIMIT} calls."]
    unlimited = CallFilterForm({})
    assert unlimited.is_valid()
    assert unlimited.query().limit == phoneinc.DEFAULT_LIMIT
