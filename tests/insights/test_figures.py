"""The insights figures (calls.insights.figures), checked against a window worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from calls.insights import figures as insights
from calls.phoneinc import Call, Employee, TranscriptSegment

NEW_YORK = ZoneInfo("America/New_York")
ALEX = Employee("emp-alex", "Alex Wong")
PRIYA = Employee("emp-priya", "Priya Patel")
TEMP = Employee("", "Temp Worker")  # Phone.inc sent no id: known by name
SALES = {"main_number_name": "Sales", "main_number": "+14155551234"}
SUPPORT = {"main_number_name": "Support", "main_number": "+14155552000"}


def at(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2025, 3, 4, hour, minute, second, tzinfo=UTC)  # a Tuesday; New York is UTC-5


def call(id: str, direction: str = "inbound", state: str = "ended", **fields) -> Call:
    remote = "+14085550199"
    numbers = (remote, "+14155551234") if direction == "inbound" else ("+14155551234", remote)
    return Call(id, *numbers, direction, state, **fields)


def seg(speaker: str, text: str, employee: Employee | None = None) -> TranscriptSegment:
    return TranscriptSegment(speaker, text, employee.id if employee else None)


def window_calls() -> list[Call]:
    """Newest first, as Phone.inc lists them."""
    return [
        call(
            "c1",
            started_at=at(19),
            answered_at=at(19, 0, 10),
            duration=120,
            employees=(ALEX,),
            segments=(seg("Alex", "good morning acme", ALEX), seg("Caller", "hi")),
            **SALES,
        ),
        # Alex again, placing a call: inbound and outbound for one employee.
        call(
            "c2",
            "outbound",
            started_at=at(18, 30),
            answered_at=at(18, 30, 20),
            duration=300,
            employees=(ALEX,),
            initiated_by=ALEX,
            **SALES,
        ),
        # Two employees on one call.
        call(
            "c3",
            started_at=at(18),
            answered_at=at(18, 0, 30),
            duration=600,
            employees=(ALEX, PRIYA),
            segments=(
                seg("Alex", "hello there", ALEX),
                seg("Caller", "hi I need help"),
                seg("Priya", "sure", PRIYA),
            ),
            **SUPPORT,
        ),
        call("c4", started_at=at(17, 10), **SUPPORT),  # missed: ended, never answered
        call(  # answered and hung up at once: zero seconds
            "c5",
            started_at=at(17, 5),
            answered_at=at(17, 5, 5),
            duration=0,
            employees=(PRIYA,),
            **SUPPORT,
        ),
        call("c6", answered_at=at(16), duration=60, employees=(TEMP,), **SALES),  # no start
        call(  # a state Phone.inc has not documented, still going on
            "c7",
            state="on_hold",
            started_at=at(16, 30),
            answered_at=at(16, 30, 8),
            employees=(PRIYA,),
            **SUPPORT,
        ),
    ]


def by_key(rows):
    return {row.key: row for row in rows}


def test_it_counts_each_employees_calls():
    rows = by_key(insights.per_employee(window_calls()))
    alex, priya, temp = rows["emp-alex"], rows["emp-priya"], rows["name:Temp Worker"]
    assert (alex.calls, alex.inbound, alex.outbound, alex.answered) == (3, 2, 1, 3)
    assert (priya.calls, priya.inbound, priya.outbound, priya.answered) == (3, 3, 0, 3)
    assert (temp.calls, temp.inbound, temp.outbound, temp.answered) == (1, 1, 0, 1)
    assert len(rows) == 3


def test_it_totals_and_averages_talk_time_over_ended_calls():
    rows = by_key(insights.per_employee(window_calls()))
    assert (rows["emp-alex"].talk_total, rows["emp-alex"].talk_average) == (1020, 340)
    # 600 + 0: the zero-length call counts, the live call (no duration) does not.
    assert (rows["emp-priya"].talk_total, rows["emp-priya"].talk_average) == (600, 300)
    assert (rows["name:Temp Worker"].talk_total, rows["name:Temp Worker"].talk_average) == (60, 60)


def test_it_shares_the_words_of_transcribed_calls():
    rows = by_key(insights.per_employee(window_calls()))
    assert rows["emp-alex"].word_share == pytest.approx(5 / 11)  # 3 of 4 words, 2 of 7
    assert rows["emp-priya"].word_share == pytest.approx(1 / 7)
    assert rows["name:Temp Worker"].word_share is None  # no id: no segment can be theirs


def test_it_leaves_word_shares_out_when_asked():
    rows = insights.per_employee(window_calls(), words=False)
    assert [row.word_share for row in rows] == [None, None, None]


def test_it_sorts_most_calls_first_then_by_name():
    rows = insights.per_employee(window_calls())
    assert [row.name for row in rows] == ["Alex Wong", "Priya Patel", "Temp Worker"]
    assert insights.busiest_employee(rows).key == "emp-alex"


@pytest.mark.parametrize(
    ("sort", "order", "names"),
    [
        ("name", "desc", ["Temp Worker", "Priya Patel", "Alex Wong"]),
        ("name", None, ["Alex Wong", "Priya Patel", "Temp Worker"]),
        ("inbound", "desc", ["Priya Patel", "Alex Wong", "Temp Worker"]),
        ("inbound", "asc", ["Temp Worker", "Alex Wong", "Priya Patel"]),
        ("talk_average", "asc", ["Temp Worker", "Priya Patel", "Alex Wong"]),
        # No share for Temp: last whichever the order.
        ("word_share", "asc", ["Priya Patel", "Alex Wong", "Temp Worker"]),
        ("word_share", "desc", ["Alex Wong", "Priya Patel", "Temp Worker"]),
    ],
)
def test_it_sorts_by_any_column(sort, order, names):
    rows = insights.sort_employees(insights.per_employee(window_calls()), sort, order)
    assert [row.name for row in rows] == names


def test_it_refuses_an_unknown_sort():
    with pytest.raises(ValueError):
        insights.sort_employees([], "salary")


def test_it_counts_each_line():
    sales, support = (
        {line.name: line for line in insights.per_line(window_calls())}[name]
        for name in ("Sales", "Support")
    )
    assert (support.calls, support.inbound, support.missed) == (4, 4, 1)
    assert support.missed_share == pytest.approx(0.25)
    assert support.median_answer == 8  # waits of 30, 5 and 8 s
    assert support.average_duration == 300  # (600 + 0) / 2: the missed call has none
    assert (sales.calls, sales.inbound, sales.missed, sales.missed_share) == (3, 2, 0, 0)
    assert sales.median_answer == 10  # the call without a start has no wait
    assert sales.average_duration == 160  # (120 + 300 + 60) / 3
    assert sales.number == "+14155551234"


def test_it_lists_busy_lines_first_and_finds_the_one_missing_most():
    lines = insights.per_line(window_calls())
    assert [line.name for line in lines] == ["Support", "Sales"]
    assert insights.most_missing_line(lines).name == "Support"


def test_it_says_what_the_window_covers():
    found = insights.window(window_calls())
    assert (found.count, found.first, found.last, found.undated) == (7, at(16, 30), at(19), 1)


def test_it_copes_with_an_empty_window():
    assert insights.per_employee([]) == []
    assert insights.per_line([]) == []
    assert insights.busiest_employee([]) is None
    assert insights.most_missing_line([]) is None
    assert insights.window([]) == insights.Window(0, None, None, 0)


def test_it_copes_with_a_call_that_has_nothing_but_its_id():
    bare = Call("bare", "", "", "", "")
    (line,) = insights.per_line([bare])
    assert (line.name, line.number, line.calls, line.inbound) == (insights.NO_LINE, None, 1, 0)
    assert (line.missed_share, line.median_answer, line.average_duration) == (None, None, None)
    assert insights.per_employee([bare]) == []
    assert insights.most_missing_line([line]) is None


def test_it_counts_an_employee_once_per_call():
    placed = call("c", "outbound", employees=(ALEX,), initiated_by=ALEX, duration=30)
    (alex,) = insights.per_employee([placed])
    assert (alex.calls, alex.outbound, alex.talk_total) == (1, 1, 30)


def test_it_names_an_employee_without_a_name():
    (row,) = insights.per_employee([call("c", employees=(Employee("emp-x", ""),))])
    assert (row.key, row.name) == ("emp-x", insights.UNNAMED)


def test_it_ignores_an_answer_stamped_before_the_start():
    skewed = call("c", started_at=at(12), answered_at=at(11, 59), duration=5, **SALES)
    assert insights.per_line([skewed])[0].median_answer is None


@pytest.mark.parametrize(
    ("moment", "label"),
    [
        (at(14, 12), "Tue 09:12"),
        (at(14, 12) - timedelta(days=6), "Wed 09:12"),
        (at(14, 12) - timedelta(days=7), "Tue 25 Feb 09:12"),
        (at(14, 12) - timedelta(days=70), "Tue 24 Dec 2024 09:12"),
    ],
)
def test_it_labels_start_times_in_the_companys_zone(moment, label):
    assert insights.moment_label(moment, NEW_YORK, now=at(20)) == label
