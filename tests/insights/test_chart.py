"""The insights chart (calls.insights.chart): buckets in the company's zone, bars as tall as
counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from calls.insights import chart
from calls.phoneinc import Call
from tests.insights.test_figures import window_calls

NEW_YORK = ZoneInfo("America/New_York")


def started(moment: datetime, direction: str = "inbound", answered: bool = True) -> Call:
    answered_at = moment + timedelta(seconds=5) if answered else None
    return Call("c", "+14085550199", "+14155551234", direction, "ended", moment, answered_at, 60)


def test_it_counts_calls_per_hour_in_the_companys_zone():
    drawn = chart.build(window_calls(), NEW_YORK)
    assert drawn.unit == chart.HOUR
    counts = [(b.start.strftime("%H:%M"), b.answered, b.missed, b.outbound) for b in drawn.buckets]
    assert counts == [
        ("11:00", 1, 0, 0),  # the undocumented state, answered, still going on
        ("12:00", 1, 1, 0),
        ("13:00", 1, 0, 1),
        ("14:00", 1, 0, 0),
    ]
    assert drawn.undated == 1
    assert drawn.busiest.start.hour == 12
    assert drawn.buckets[0].label == "Tue 4 Mar 11:00–12:00"


def test_it_makes_bars_as_tall_as_their_counts():
    drawn = chart.build(window_calls(), NEW_YORK)
    assert drawn.scale_max == 2
    unit = chart.PLOT_HEIGHT / 2
    for bar in drawn.bars:
        assert sum(s.height for s in bar.segments) == pytest.approx(bar.bucket.total * unit)
        bottom = chart.TOP + chart.PLOT_HEIGHT
        for segment in bar.segments:  # stacked from the baseline up, without overlap
            assert segment.height == pytest.approx(segment.count * unit)
            assert segment.y + segment.height == pytest.approx(bottom)
            bottom = segment.y
    kinds = [[s.kind for s in bar.segments] for bar in drawn.bars]
    assert kinds == [["answered"], ["answered", "missed"], ["answered", "outbound"], ["answered"]]
    assert drawn.kinds == ("answered", "missed", "outbound")


def test_it_keeps_bars_inside_the_plot():
    drawn = chart.build(window_calls(), NEW_YORK)
    for bar in drawn.bars:
        for segment in bar.segments:
            assert segment.x >= chart.LEFT
            assert segment.x + segment.width <= chart.WIDTH - chart.RIGHT
            assert segment.y >= chart.TOP
    assert [tick.text for tick in drawn.ticks] == ["0", "1", "2"]
    assert drawn.ticks[0].at == chart.TOP + chart.PLOT_HEIGHT and drawn.ticks[-1].at == chart.TOP


def test_it_counts_per_day_beyond_48_hours_with_quiet_days_included():
    monday = datetime(2025, 3, 3, 15, tzinfo=UTC)
    calls = [
        started(monday + timedelta(days=3)),
        started(monday + timedelta(days=2), "outbound"),
        started(monday, answered=False),
    ]
    drawn = chart.build(calls, NEW_YORK)
    assert drawn.unit == chart.DAY
    assert [b.label for b in drawn.buckets] == ["Mon 3 Mar", "Tue 4 Mar", "Wed 5 Mar", "Thu 6 Mar"]
    assert [b.total for b in drawn.buckets] == [1, 0, 1, 1]
    assert drawn.buckets[0].missed == 1 and drawn.buckets[2].outbound == 1
    assert drawn.bars[1].segments == ()


def test_it_counts_per_hour_up_to_48_hours():
    first = datetime(2025, 3, 3, 15, tzinfo=UTC)
    drawn = chart.build([started(first + timedelta(hours=48)), started(first)], NEW_YORK)
    assert drawn.unit == chart.HOUR
    assert len(drawn.buckets) == 49


def test_it_counts_per_week_over_long_windows():
    first = datetime(2025, 1, 1, 15, tzinfo=UTC)  # a Wednesday
    drawn = chart.build([started(first + timedelta(days=100)), started(first)], NEW_YORK)
    assert drawn.unit == chart.WEEK
    assert drawn.buckets[0].label == "Week of Mon 30 Dec 2024"
    assert len(drawn.buckets) == 15 and sum(b.total for b in drawn.buckets) == 2


def test_it_counts_per_month_and_per_year_over_longer_ones():
    first = datetime(2025, 11, 20, 15, tzinfo=UTC)
    drawn = chart.build([started(first + timedelta(days=500)), started(first)], NEW_YORK)
    assert drawn.unit == chart.MONTH
    assert [b.label for b in drawn.buckets][:3] == [
        "November 2025",
        "December 2025",
        "January 2026",
    ]
    assert len(drawn.buckets) == 18
    # A window Phone.inc stretched over centuries still makes a readable number of bars.
    ancient = datetime(1970, 1, 1, tzinfo=UTC)
    drawn = chart.build([started(datetime(2200, 1, 1, tzinfo=UTC)), started(ancient)], NEW_YORK)
    assert drawn.unit == chart.YEAR and len(drawn.buckets) == 231
    assert (drawn.buckets[0].label, drawn.buckets[-1].label) == ("1969", "2199")


def test_it_tells_the_two_one_oclocks_of_the_night_clocks_go_back_apart():
    first = datetime(2025, 11, 2, 5, 30, tzinfo=UTC)  # 01:30 EDT, then 01:30 EST an hour on
    drawn = chart.build([started(first + timedelta(hours=1)), started(first)], NEW_YORK)
    assert [b.start.strftime("%H:%M %Z") for b in drawn.buckets] == ["01:00 EDT", "01:00 EST"]
    assert [b.total for b in drawn.buckets] == [1, 1]


def test_it_draws_one_call():
    drawn = chart.build([started(datetime(2025, 3, 3, 15, tzinfo=UTC))], NEW_YORK)
    (bar,) = drawn.bars
    assert drawn.scale_max == 1
    assert bar.segments[0].height == chart.PLOT_HEIGHT
    assert bar.segments[0].width == chart.MAX_BAR_WIDTH


def test_it_draws_nothing_for_calls_without_start_times():
    drawn = chart.build([Call("c", "", "", "inbound", "ended")], NEW_YORK)
    assert drawn.is_empty and drawn.busiest is None and drawn.undated == 1
    assert chart.build([], NEW_YORK).is_empty


def test_it_counts_calls_of_unknown_direction_as_other():
    odd = Call("c", "", "", "sideways", "ended", datetime(2025, 3, 3, 15, tzinfo=UTC))
    drawn = chart.build([odd], NEW_YORK)
    assert drawn.kinds == ("other",) and drawn.buckets[0].other == 1


@pytest.mark.parametrize(
    ("largest", "scale"),
    [(0, (1, 1)), (1, (1, 1)), (5, (5, 1)), (6, (6, 2)), (11, (15, 5)), (50, (50, 10))],
)
def test_it_rounds_the_scale(largest, scale):
    assert chart.nice_scale(largest) == scale


def test_it_labels_at_most_eight_bars():
    first = datetime(2025, 3, 3, 15, tzinfo=UTC)
    drawn = chart.build([started(first + timedelta(hours=40)), started(first)], NEW_YORK)
    assert len(drawn.labels) <= chart.AXIS_LABELS
    assert drawn.labels[0].text == "Mon 10:00"
