"""The insights chart: the window's calls over time, as bars a template draws in inline SVG.

Calls are counted per hour of the company's time zone, per day once the window spans more
than 48 hours, and per week, month or year as it grows longer still (a year of daily bars would
be hairs, and a window Phone.inc stretches over decades would be thousands of them).
Each bar stacks answered, missed and outbound calls, and "other" for the rest (an inbound call
still ringing, a direction Phone.inc has not documented). Geometry is in viewBox units, so the
SVG scales to any width; colours are CSS classes (the CSP allows no inline style, and dark mode
redefines the colour variables). Calls without a start time are in no bar; the chart says how
many.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from calls.phoneinc import Call
from calls.sources.tallies import kind_of

HOUR, DAY, WEEK, MONTH, YEAR = "hour", "day", "week", "month", "year"
HOURLY_UP_TO = timedelta(hours=48)
DAILY_UP_TO_DAYS = 62
WEEKLY_UP_TO_WEEKS = 60
MONTHLY_UP_TO_MONTHS = 60
KINDS = ("answered", "missed", "outbound", "other")  # bottom of a bar to its top
KIND_LABELS = {
    "answered": "Answered",
    "missed": "Missed",
    "outbound": "Outbound",
    "other": "Ringing or other",
}

# viewBox geometry: the plot sits inside margins that hold the axis labels.
WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 40, 8, 12, 32
PLOT_WIDTH, PLOT_HEIGHT = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
BAR_FILL = 0.72  # of each bar's slot; the rest is the gap between bars
MAX_BAR_WIDTH = 48
AXIS_LABELS = 8  # at most this many labels under the bars
TICKS = 5  # at most this many steps up the scale
NICE_STEPS = (1, 2, 5)


@dataclass(frozen=True, slots=True)
class Bucket:
    """One bar's hour, day or week (its start in the company's zone) and its counts."""

    start: datetime
    label: str  # in full, for the table and the bar's tooltip
    short: str  # under the bar
    answered: int = 0
    missed: int = 0
    outbound: int = 0
    other: int = 0

    @property
    def total(self) -> int:
        return self.answered + self.missed + self.outbound + self.other


@dataclass(frozen=True, slots=True)
class Segment:
    kind: str
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True, slots=True)
class Bar:
    bucket: Bucket
    segments: tuple[Segment, ...]  # only the kinds it has, bottom first


@dataclass(frozen=True, slots=True)
class Mark:
    """A label on an axis: its text and where it sits (x for the bottom, y for the side)."""

    text: str
    at: float


@dataclass(frozen=True, slots=True)
class Chart:
    unit: str  # HOUR, DAY, WEEK, MONTH or YEAR
    buckets: tuple[Bucket, ...]
    bars: tuple[Bar, ...]
    ticks: tuple[Mark, ...]  # up the side, from 0
    labels: tuple[Mark, ...]  # under the bars
    scale_max: int
    kinds: tuple[str, ...]  # the kinds that appear, for the legend and the table
    undated: int

    width = WIDTH
    height = HEIGHT
    left = LEFT
    tick_x = LEFT - 6
    right_edge = WIDTH - RIGHT
    baseline = TOP + PLOT_HEIGHT
    label_y = TOP + PLOT_HEIGHT + 20

    @property
    def is_empty(self) -> bool:
        return not self.buckets

    @property
    def busiest(self) -> Bucket | None:
        """The bucket with the most calls (the earliest of equals)."""
        return max(self.buckets, key=lambda bucket: bucket.total, default=None)

    @property
    def span(self) -> str:
        """From the first bar to the last, in words: "Mon 3 Mar 09:00–10:00 to Tue 4 Mar …"."""
        if not self.buckets:
            return ""
        first, last = self.buckets[0].label, self.buckets[-1].label
        return first if first == last else f"{first} to {last}"

    def legend(self) -> list[tuple[str, str]]:
        return [(kind, KIND_LABELS[kind]) for kind in self.kinds]

    def table_rows(self) -> list[tuple[Bucket, list[int]]]:
        """Each bucket's label and its count per kind shown, for the table under the chart."""
        return [(b, [getattr(b, kind) for kind in self.kinds]) for b in self.buckets]


# --------------------------------------------------------------------------------------------
# Counting


def unit_for(first: datetime, last: datetime, zone: tzinfo) -> str:
    """The finest unit that gives the window a readable number of bars."""
    if last - first <= HOURLY_UP_TO:
        return HOUR
    start, end = first.astimezone(zone).date(), last.astimezone(zone).date()
    if (end - start).days + 1 <= DAILY_UP_TO_DAYS:
        return DAY
    if (_day(last, zone, WEEK) - _day(first, zone, WEEK)).days // 7 + 1 <= WEEKLY_UP_TO_WEEKS:
        return WEEK
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    return MONTH if months <= MONTHLY_UP_TO_MONTHS else YEAR


def _hour_start(moment: datetime, zone: tzinfo) -> datetime:
    """The start of the local hour holding `moment`, as a UTC instant (a key that tells the
    two 01:00s of a night the clocks go back apart)."""
    return moment.astimezone(zone).replace(minute=0, second=0, microsecond=0).astimezone(UTC)


def hour_key(moment: datetime, zone: tzinfo) -> datetime:
    """The hour bucket a call started in, as period_buckets() keys its counts."""
    return _hour_start(moment, zone)


def _day(moment: datetime, zone: tzinfo, unit: str) -> date:
    """The first day of the day, week (Monday), month or year that holds `moment`."""
    day = moment.astimezone(zone).date()
    if unit == WEEK:
        return day - timedelta(days=day.weekday())
    if unit == MONTH:
        return day.replace(day=1)
    if unit == YEAR:
        return day.replace(month=1, day=1)
    return day


def _after(day: date, unit: str) -> date:
    """The first day of the next bucket."""
    if unit == DAY:
        return day + timedelta(days=1)
    if unit == WEEK:
        return day + timedelta(days=7)
    if unit == MONTH:
        return date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return date(day.year + 1, 1, 1)


def _hours(first: datetime, last: datetime, zone: tzinfo) -> list[datetime]:
    hours, hour, end = [], _hour_start(first, zone), _hour_start(last, zone)
    while hour <= end:
        hours.append(hour)
        following = _hour_start(hour + timedelta(hours=1), zone)
        hour = following if following > hour else hour + timedelta(hours=1)
    return hours


def _labels(start: datetime, unit: str, first: bool) -> tuple[str, str]:
    if unit == HOUR:
        end = start + timedelta(hours=1)
        full = f"{start:%a %-d %b %H:%M}–{end:%H:%M}"
        return full, (f"{start:%a %H:%M}" if first or start.hour == 0 else f"{start:%H:%M}")
    if unit == DAY:
        return f"{start:%a %-d %b}", f"{start:%a %-d %b}"
    if unit == WEEK:
        return f"Week of {start:%a %-d %b %Y}", f"{start:%-d %b}"
    if unit == MONTH:
        return f"{start:%B %Y}", f"{start:%b %Y}"
    return f"{start:%Y}", f"{start:%Y}"


def buckets(calls: Iterable[Call], zone: tzinfo) -> tuple[str, tuple[Bucket, ...]]:
    """The unit and every bucket from the first dated call to the last, empty ones included
    (a quiet hour is a gap in the bars, not a missing one)."""
    dated = [call for call in calls if call.started_at is not None]
    if not dated:
        return HOUR, ()
    first = min(call.started_at for call in dated)
    last = max(call.started_at for call in dated)
    unit = unit_for(first, last, zone)
    counts: dict[object, Counter] = {}
    if unit == HOUR:
        keys: list = _hours(first, last, zone)
        starts = [key.astimezone(zone) for key in keys]
        for call in dated:
            counts.setdefault(_hour_start(call.started_at, zone), Counter())[kind_of(call)] += 1
    else:
        day, end, keys = _day(first, zone, unit), _day(last, zone, unit), []
        while day <= end:
            keys.append(day)
            day = _after(day, unit)
        starts = [datetime.combine(key, time(), tzinfo=zone) for key in keys]
        for call in dated:
            counts.setdefault(_day(call.started_at, zone, unit), Counter())[kind_of(call)] += 1
    return unit, _filled(unit, keys, starts, counts)


def _filled(unit: str, keys: list, starts: list[datetime], counts: dict) -> tuple[Bucket, ...]:
    result = []
    for index, (key, start) in enumerate(zip(keys, starts, strict=True)):
        label, short = _labels(start, unit, first=index == 0)
        tally = counts.get(key, Counter())
        result.append(Bucket(start, label, short, **{kind: tally[kind] for kind in KINDS}))
    return tuple(result)


def period_buckets(
    days: dict[date, Counter],
    first: date,
    last: date,
    zone: tzinfo,
    *,
    hours: dict[datetime, Counter] | None = None,
    now: datetime | None = None,
) -> tuple[str, tuple[Bucket, ...]]:
    """Every bucket of a period's days, first to last, from counts per day (or per hour, by
    its start as a UTC instant): by hour when `hours` are given, up to `now`; by day up to
    DAILY_UP_TO_DAYS days; by week (from Monday) beyond."""
    if hours is not None:
        start = datetime.combine(first, time(), tzinfo=zone)
        end = datetime.combine(last + timedelta(days=1), time(), tzinfo=zone)
        end = min(end, now) if now is not None and now > start else end
        keys: list = _hours(start, end - timedelta(microseconds=1), zone)
        starts = [key.astimezone(zone) for key in keys]
        return HOUR, _filled(HOUR, keys, starts, hours)
    unit = DAY if (last - first).days + 1 <= DAILY_UP_TO_DAYS else WEEK
    counts: dict[date, Counter] = {}
    for day, kinds in days.items():
        counts.setdefault(_bucket_day(day, unit), Counter()).update(kinds)
    day, keys = _bucket_day(first, unit), []
    while day <= last:
        keys.append(day)
        day = _after(day, unit)
    starts = [datetime.combine(key, time(), tzinfo=zone) for key in keys]
    return unit, _filled(unit, keys, starts, counts)


def _bucket_day(day: date, unit: str) -> date:
    return day - timedelta(days=day.weekday()) if unit == WEEK else day


# --------------------------------------------------------------------------------------------
# Geometry


def nice_scale(largest: int) -> tuple[int, int]:
    """The top of the scale and its step: round numbers (1, 2, 5 × 10ⁿ), at most TICKS steps."""
    largest = max(1, largest)
    magnitude = 1
    while True:
        for base in NICE_STEPS:
            step = base * magnitude
            steps = math.ceil(largest / step)
            if steps <= TICKS:
                return steps * step, step
        magnitude *= 10


def _round(value: float) -> float:
    return round(value, 2)


def bar_height(count: int, scale_max: int) -> float:
    """How tall `count` calls stand on a scale topping at `scale_max`, in viewBox units."""
    return _round(count * PLOT_HEIGHT / scale_max)


def build(calls: Sequence[Call], zone: tzinfo) -> Chart:
    unit, found = buckets(calls, zone)
    return draw(unit, found, undated=sum(call.started_at is None for call in calls))


def draw(unit: str, found: tuple[Bucket, ...], *, undated: int = 0) -> Chart:
    """The bars of these buckets, scaled to the busiest."""
    kinds = tuple(kind for kind in KINDS if any(getattr(b, kind) for b in found))
    scale_max, step = nice_scale(max((b.total for b in found), default=0))
    slot = PLOT_WIDTH / len(found) if found else PLOT_WIDTH
    width = min(slot * BAR_FILL, MAX_BAR_WIDTH)
    bars = []
    for index, bucket in enumerate(found):
        x = LEFT + index * slot + (slot - width) / 2
        bottom, segments = TOP + PLOT_HEIGHT, []
        for kind in KINDS:
            count = getattr(bucket, kind)
            if not count:
                continue
            height = bar_height(count, scale_max)
            bottom -= count * PLOT_HEIGHT / scale_max
            segments.append(Segment(kind, count, _round(x), _round(bottom), _round(width), height))
        bars.append(Bar(bucket, tuple(segments)))
    every = max(1, math.ceil(len(found) / AXIS_LABELS))
    labels = tuple(
        Mark(bucket.short, _round(LEFT + (index + 0.5) * slot))
        for index, bucket in enumerate(found)
        if index % every == 0
    )
    ticks = tuple(
        Mark(str(value), _round(TOP + PLOT_HEIGHT - value * PLOT_HEIGHT / scale_max))
        for value in range(0, scale_max + 1, step)
    )
    return Chart(unit, found, tuple(bars), ticks, labels, scale_max, kinds, undated)
