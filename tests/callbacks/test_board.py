"""The return-matching rules of the callbacks board (calls.callbacks.board), over Call records."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.utils import timezone

from calls.callbacks.board import (
    COULD_NOT_CHECK,
    NO_START,
    NOT_SEARCHABLE,
    TOO_MANY_LATER,
    Status,
    Window,
    build,
    first_return,
    number_key,
    only_open,
)
from calls.callbacks.format import waited
from calls.phoneinc import Call, Employee

T0 = datetime(2026, 5, 11, 14, 0, tzinfo=UTC)
SALES = "+14155551234"
CALLER = "+14085550199"
ALEX = Employee("e-alex", "Alex Wong")
PRIYA = Employee("e-priya", "Priya Patel")
_ids = itertools.count(1)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def call(
    minutes: float | None,
    *,
    direction: str = "inbound",
    remote: str = CALLER,
    answered: bool = False,
    state: str = "ended",
    employees: tuple[Employee, ...] = (),
    initiated_by: Employee | None = None,
    line: str = SALES,
) -> Call:
    started = at(minutes) if minutes is not None else None
    inbound = direction == "inbound"
    return Call(
        id=f"call-{next(_ids)}",
        from_number=remote if inbound else line,
        to_number=line if inbound else remote,
        direction=direction,
        state=state,
        started_at=started,
        answered_at=started + timedelta(seconds=5) if answered and started else None,
        duration=60 if answered else None,
        main_number=line,
        main_number_name="Sales",
        employees=employees,
        initiated_by=initiated_by,
    )


@dataclass
class FakeNote:
    pk: int
    call_id: str
    marks_handled: bool
    created_at: datetime
    author_name: str = "alice"
    text: str = "Called them back from my mobile."


def board_of(missed, later=(), **kwargs):
    return build(missed, recent=Window(tuple(later)), **kwargs)


# --- Matching one missed call ---------------------------------------------------------------


def test_it_reads_the_same_number_in_another_format_as_the_same_caller():
    missed = call(0)
    back = call(30, direction="outbound", remote="(408) 555-0199", answered=True)
    assert number_key(back, "US") == CALLER
    assert first_return(missed, [back], "US") == back


def test_it_does_not_count_a_call_in_the_same_second_as_later():
    missed = call(0)
    same_second = call(0, answered=True, employees=(ALEX,))
    assert first_return(missed, [same_second], "US") is None
    later = call(1, answered=True, employees=(ALEX,))
    assert first_return(missed, [same_second, later], "US") == later


def test_it_prefers_the_callback_when_two_answered_calls_start_in_the_same_second():
    missed = call(0)
    inbound = call(10, answered=True, employees=(ALEX,))
    outbound = call(10, direction="outbound", answered=True, initiated_by=PRIYA)
    assert first_return(missed, [inbound, outbound], "US") == outbound


def test_it_never_returns_a_withheld_number():
    missed = call(0, remote="anonymous")
    later = call(5, remote="anonymous", answered=True, employees=(ALEX,))
    assert number_key(missed, "US") is None
    assert first_return(missed, [later], "US") is None
    board = board_of([missed], [later])
    (row,) = board.rows
    assert row.status is Status.OPEN and row.is_withheld
    assert board.to_check == ()


def test_it_does_not_count_a_later_call_nobody_answered():
    missed = call(0)
    tried = call(20, direction="outbound", employees=(ALEX,), initiated_by=ALEX)
    rang_again = call(30)  # missed again
    board = board_of([missed, rang_again], [tried, rang_again])
    (row,) = board.rows
    assert row.status is Status.OPEN
    assert row.count == 2


def test_it_credits_a_callback_to_whoever_placed_it_when_it_lists_no_employees():
    missed = call(0)
    back = call(125, direction="outbound", answered=True, initiated_by=PRIYA)
    (row,) = board_of([missed], [back]).rows
    assert row.status is Status.RETURNED
    assert row.returned_by == ("Priya Patel",)
    assert row.time_to_return == timedelta(hours=2, minutes=5)


def test_it_ignores_calls_before_the_missed_one_and_other_numbers():
    missed = call(60)
    earlier = call(0, answered=True, employees=(ALEX,))
    other = call(70, remote="+14155552671", answered=True, employees=(ALEX,))
    assert first_return(missed, [earlier, other], "US") is None


def test_it_takes_the_first_answered_call_after_it():
    missed = call(0)
    second = call(90, answered=True, employees=(PRIYA,))
    first = call(40, direction="outbound", answered=True, employees=(ALEX,))
    (row,) = board_of([missed], [second, first]).rows
    assert row.outcome.by == first
    assert row.returned_by == ("Alex Wong",)


# --- Rows -------------------------------------------------------------------------------------


def test_it_makes_one_row_of_a_callers_missed_calls_timed_from_the_first():
    calls = [call(0), call(10), call(25)]
    back = call(60, direction="outbound", answered=True, employees=(ALEX,))
    (row,) = board_of(calls, [back]).rows
    assert row.count == 3
    assert row.first == calls[0] and row.latest == calls[2]
    assert row.time_to_return == timedelta(minutes=60)


def test_it_splits_a_caller_returned_then_missed_again():
    before, after = call(0), call(120)
    back = call(60, answered=True, employees=(ALEX,))
    board = board_of([before, after], [back])
    assert [row.status for row in board.rows] == [Status.OPEN, Status.RETURNED]
    assert board.rows[0].latest == after


def test_it_puts_open_rows_first_longest_waiting_first_then_handled_latest_first():
    old_open = call(0, remote="+14155550001")
    new_open = call(50, remote="+14155550002")
    early = call(10, remote="+14155550003")
    late = call(20, remote="+14155550004")
    later = [
        call(30, remote="+14155550003", answered=True, employees=(ALEX,)),
        call(90, remote="+14155550004", answered=True, employees=(ALEX,)),
    ]
    board = board_of([new_open, late, old_open, early], later)
    assert [row.first for row in board.rows] == [old_open, new_open, late, early]
    assert [row.first for row in only_open(board).rows] == [old_open, new_open]
    assert board.open_count == 2


def test_it_ignores_calls_that_are_not_missed():
    answered = call(0, answered=True, employees=(ALEX,))
    live = call(5, state="bridged")
    outbound = call(6, direction="outbound")
    assert board_of([answered, live, outbound]).rows == ()


# --- Notes --------------------------------------------------------------------------------------


def test_it_marks_a_call_handled_by_a_note_and_the_callers_earlier_ones_with_it():
    first, second, third = call(0), call(10), call(40)
    note = FakeNote(1, second.id, marks_handled=True, created_at=at(20))
    plain = FakeNote(2, third.id, marks_handled=False, created_at=at(45))
    board = board_of([first, second, third], notes=[note, plain])
    opened, handled = board.rows
    assert opened.status is Status.OPEN and opened.calls == (third,)
    assert opened.notes == (plain,)
    assert handled.status is Status.HANDLED and handled.calls == (first, second)
    assert handled.outcome.note is note and handled.handled_at == at(20)


def test_it_lets_a_return_stand_over_a_handling_note():
    missed = call(0)
    back = call(30, direction="outbound", answered=True, employees=(ALEX,))
    note = FakeNote(1, missed.id, marks_handled=True, created_at=at(40))
    (row,) = board_of([missed], [back], notes=[note]).rows
    assert row.status is Status.RETURNED
    assert row.notes == (note,)


def test_it_marks_a_withheld_call_handled_only_by_its_own_note():
    first, second = call(0, remote="anonymous"), call(10, remote="restricted")
    note = FakeNote(1, second.id, marks_handled=True, created_at=at(15))
    board = board_of([first, second], notes=[note])
    assert [(row.calls, row.status) for row in board.rows] == [
        ((first,), Status.OPEN),
        ((second,), Status.HANDLED),
    ]


# --- Windows: the recent list and per-number lookups --------------------------------------------


def full_window(oldest_minutes: float, *calls: Call) -> Window:
    filler = [call(oldest_minutes + i / 100, remote="+14155559999") for i in range(50)]
    return Window.of(filler, 50, shown=[*calls, *filler])


def test_it_reads_a_full_list_as_complete_from_its_oldest_call_on():
    window = full_window(100)
    assert not window.complete and window.since == at(100)
    assert window.covers(at(100)) and window.covers(at(200))
    assert not window.covers(at(99))
    assert Window.of([call(0)], 50).complete


def test_it_asks_for_a_number_older_than_the_recent_list():
    old = call(0)
    board = build([old], recent=full_window(100))
    (row,) = board.rows
    assert row.status is Status.CHECKING and row.needs_attention
    assert board.to_check == (CALLER,) and board.is_checking


def test_it_answers_an_older_call_from_its_numbers_lookup():
    old = call(0)
    back = call(40, direction="outbound", answered=True, initiated_by=ALEX)
    lookup = Window.of([back, old], 50)
    board = build([old], recent=full_window(100), lookups={CALLER: lookup})
    (row,) = board.rows
    assert row.status is Status.RETURNED and row.returned_by == ("Alex Wong",)
    assert board.to_check == ()


def test_it_says_could_not_check_when_a_lookup_failed_or_reaches_too_little():
    old = call(0)
    failed = build([old], recent=full_window(100), lookups={CALLER: None})
    assert failed.rows[0].status is Status.UNCHECKED
    assert failed.rows[0].outcome.reason == COULD_NOT_CHECK
    busy = Window.of([call(60 + i, answered=True) for i in range(50)], 50)
    short = build([old], recent=full_window(100), lookups={CALLER: busy})
    assert short.rows[0].outcome.reason == TOO_MANY_LATER


def test_it_says_could_not_check_without_the_recent_list():
    (row,) = build([call(0)], recent=None).rows
    assert row.status is Status.UNCHECKED and row.outcome.reason == COULD_NOT_CHECK


def test_it_cannot_look_up_a_number_phoneinc_cannot_search():
    odd = call(0, remote="12345")
    assert number_key(odd, "US") == "#12345"
    board = build([odd], recent=full_window(100))
    assert board.rows[0].outcome.reason == NOT_SEARCHABLE and board.to_check == ()
    recent_odd = call(120, remote="12345")
    back = call(130, direction="outbound", remote="1 2345", answered=True, initiated_by=ALEX)
    board = build([recent_odd], recent=Window((back,)))
    assert board.rows[0].status is Status.RETURNED  # matched by its digits


def test_it_leaves_a_call_without_a_start_time_unchecked():
    (row,) = board_of([call(None)]).rows
    assert row.status is Status.UNCHECKED and row.outcome.reason == NO_START


def test_it_does_not_look_up_a_caller_already_marked_handled():
    old = call(0)
    note = FakeNote(1, old.id, marks_handled=True, created_at=at(5))
    board = build([old], recent=full_window(100), notes=[note])
    (row,) = board.rows
    assert row.status is Status.HANDLED
    assert board.to_check == ()


def test_a_wait_reads_to_the_minute_so_a_board_stays_the_same_for_a_minute():
    now = timezone.now()
    assert waited(now - timedelta(seconds=5)) == waited(now - timedelta(seconds=59))
    assert waited(now - timedelta(seconds=40)) == "under 1 min"
    assert waited(now - timedelta(minutes=3, seconds=10)) == "3 min"
    assert waited(now - timedelta(hours=2, minutes=5)) == "2 h 5 min"
    assert waited(None) == "—"
