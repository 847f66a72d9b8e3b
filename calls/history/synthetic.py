"""What synthetic calls (calls.history.seeding) are made of: numbers, callers, a cast, ids
and a clock.

- **Numbers** are valid for the company's region: fictional ones where the region sets them
  aside (555-0100 to 555-0199 after US and Canadian area codes, Ofcom's drama ranges in GB),
  elsewhere the region's example numbers with other last digits.
- **Callers** are a pool of POOL_SIZE such numbers of which REGULARS call often, a few
  numbers abroad (ABROAD), and some withheld ("anonymous", now and then "restricted").
- **The cast** is the company's own lines and employees, as seen in its newest stored calls;
  for whichever it has none of, three made-up lines (Sales, Support, Front desk) or STAFF
  made-up employees, drawn from the company's name so every run makes the same.
- **Ids** are shaped like UUIDv7, as Phone.inc's are.
- **The clock** spreads moments over the last days in the company's time zone, weighted by
  hour (office hours busiest) and weekday (weekends quiet).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import phonenumbers
from django.utils import timezone

from calls.models import Company, StoredCall
from calls.phoneinc import Employee

POOL_SIZE = 3000
REGULARS, REGULAR_SHARE = 8, 0.15
INTERNATIONAL_SHARE = 0.02
WITHHELD_SHARE, RESTRICTED_SHARE = 0.03, 0.2  # of inbound calls; of the withheld ones

# Where a region sets numbers aside for fiction: E.164 prefixes, each followed by `digits`
# free digits. NANP: 555-0100 to 555-0199 after each area code; GB: Ofcom's drama ranges.
US_AREAS = (201, 202, 206, 212, 213, 214, 215, 303, 305, 310, 312, 313, 404, 408, 415, 469)
US_AREAS += (503, 512, 602, 617, 646, 650, 702, 713, 718, 773, 808, 818, 917, 919)
CA_AREAS = (204, 226, 236, 250, 289, 306, 403, 416, 418, 438, 450, 506, 514, 519, 604, 613)
CA_AREAS += (647, 705, 709, 778, 780, 807, 819, 902, 905)
GB_DRAMA = ("+442079460", "+441134960", "+441144960", "+441154960", "+441164960")
GB_DRAMA += ("+441174960", "+441184960", "+441214960", "+441314960", "+441414960")
GB_DRAMA += ("+441514960", "+441614960", "+441914980")
FICTIONAL: dict[str, tuple[tuple[str, ...], int]] = {
    "US": (tuple(f"+1{area}55501" for area in US_AREAS), 2),
    "CA": (tuple(f"+1{area}55501" for area in CA_AREAS), 2),
    "GB": (GB_DRAMA, 3),
}
ABROAD = ("GB", "DE", "FR", "JP", "AU", "BR", "IN", "US", "MX", "ES")  # international callers
ABROAD_EACH = 3

LINE_NAMES = ("Sales", "Support", "Front desk")
FIRST_NAMES = ("Alex", "Priya", "Marcus", "Sofia", "Daniel", "Emma", "Jordan", "Mei", "Omar")
LAST_NAMES = ("Wong", "Patel", "Johnson", "García", "Kim", "O'Connor", "Novak", "Silva", "Berg")
STAFF = 6
KNOWN_FROM = 5000  # newest stored calls read for the company's own lines and employees

# Relative busyness of each local hour (0 to 23) and weekday (Monday first).
HOUR_WEIGHTS = (
    *(0.02,) * 7,
    *(0.3, 0.8, 1.0, 1.0, 1.0, 0.8, 1.0, 1.0, 1.0, 1.0, 0.6, 0.3),
    *(0.1, 0.1, 0.1, 0.04, 0.04),
)
DAY_WEIGHTS = (1.0, 1.0, 1.0, 1.0, 1.0, 0.25, 0.1)


# --------------------------------------------------------------------------------------------
# The cast


@dataclass(frozen=True, slots=True)
class Line:
    """One of the company's main numbers."""

    id: str
    name: str
    number: str
    formatted: str


@dataclass(frozen=True)
class Cast:
    """The company's lines and employees, whom the synthetic calls reach and are taken by."""

    lines: tuple[Line, ...]
    employees: tuple[Employee, ...]


def cast_of(company: Company) -> Cast:
    """The lines and employees seen in the company's newest stored calls, made-up ones for
    whichever it has none of (one query)."""
    rows = (
        StoredCall.objects.filter(company=company)
        .order_by("-started_at")
        .values_list(
            "line_id",
            "line_name",
            "line_number",
            "line_formatted",
            "employees",
            "placed_by_id",
            "placed_by_name",
        )[:KNOWN_FROM]
    )
    lines: dict[str, Line] = {}
    staff: dict[str, Employee] = {}
    for line_id, name, number, formatted, employees, placed_id, placed_name in rows:
        if number:
            lines.setdefault(number, Line(line_id, name, number, formatted))
        for person_id, person_name in [*employees, [placed_id, placed_name]]:
            if person_id:
                staff.setdefault(person_id, Employee(person_id, person_name))
    if not lines or not staff:
        made_up = made_up_cast(company)
        lines = lines or {line.number: line for line in made_up.lines}
        staff = staff or {person.id: person for person in made_up.employees}
    return Cast(
        lines=tuple(sorted(lines.values(), key=lambda line: line.number)),
        employees=tuple(sorted(staff.values(), key=lambda person: person.id)),
    )


def made_up_cast(company: Company) -> Cast:
    """Three lines and six employees, the same on every run for the same company."""
    rng = random.Random(f"phonedash-synthetic-cast-{company.name}")
    numbers = rng.sample(regional_numbers(company.region, rng, POOL_SIZE), len(LINE_NAMES))
    lines = tuple(
        Line(new_id(rng), name, number, formatted(number))
        for name, number in zip(LINE_NAMES, numbers, strict=True)
    )
    names = rng.sample(list(itertools.product(FIRST_NAMES, LAST_NAMES)), STAFF)
    employees = tuple(Employee(new_id(rng), f"{first} {last}") for first, last in names)
    return Cast(lines, employees)


# --------------------------------------------------------------------------------------------
# Ids


def uuid7_shaped(stamp: int, rand_a: int, rand_b: int) -> str:
    """A UUIDv7's text: a 48-bit time field, version 7, 12 random bits, the RFC 9562 variant,
    62 random bits; lowercase hex, so within Phone.inc's call-id alphabet."""
    return (
        f"{stamp >> 16:08x}-{stamp & 0xFFFF:04x}-7{rand_a & 0xFFF:03x}-"
        f"{0x8000 | (rand_b >> 48) & 0x3FFF:04x}-{rand_b & 0xFFFFFFFFFFFF:012x}"
    )


def new_id(rng: random.Random) -> str:
    """An id for a made-up line or employee, its time field in late December 2024 as the
    ids in Phone.inc's documentation."""
    stamp = 0x0193F0000000 + rng.getrandbits(28)
    rand_b = rng.getrandbits(62)
    return uuid7_shaped(stamp, rng.getrandbits(12), rand_b)


# --------------------------------------------------------------------------------------------
# Numbers


def regional_numbers(region: str, rng: random.Random, count: int) -> list[str]:
    """Up to `count` distinct valid E.164 numbers of the region, in a stable order."""
    if region in FICTIONAL:
        prefixes, digits = FICTIONAL[region]
        candidates = [f"{prefix}{n:0{digits}d}" for prefix in prefixes for n in range(10**digits)]
        rng.shuffle(candidates)
    else:
        candidates = list(_example_variants(region, rng, count * 3))
    found: dict[str, None] = {}
    for number in candidates[: count * 3]:
        if len(found) == count:
            break
        if _is_valid(number):
            found[number] = None
    return list(found) or regional_numbers("US", rng, count)


def _example_variants(region: str, rng: random.Random, count: int) -> Iterator[str]:
    """The region's example numbers (fixed line and mobile) with their last four digits
    changed: valid numbers of the region where it sets none aside for fiction."""
    kinds = (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE)
    examples = [phonenumbers.example_number_for_type(region, kind) for kind in kinds]
    heads = [
        phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)[:-4]
        for example in examples
        if example is not None
    ]
    if not heads:
        return
    for _ in range(count):
        yield f"{rng.choice(heads)}{rng.randrange(10000):04d}"


def _is_valid(number: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(number))
    except phonenumbers.NumberParseException:
        return False


def formatted(number: str) -> str:
    return phonenumbers.format_number(
        phonenumbers.parse(number), phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )


@dataclass(frozen=True)
class Callers:
    """Who calls a company: a regional pool, a few regulars, a few from abroad."""

    pool: tuple[str, ...]
    regulars: tuple[str, ...]
    abroad: tuple[str, ...]

    @classmethod
    def of(cls, company: Company, cast: Cast) -> Callers:
        rng = random.Random(f"phonedash-synthetic-callers-{company.name}")
        own = {line.number for line in cast.lines}
        pool = [n for n in regional_numbers(company.region, rng, POOL_SIZE) if n not in own]
        own_code = phonenumbers.country_code_for_region(company.region)
        abroad = [
            number
            for region in ABROAD
            if phonenumbers.country_code_for_region(region) != own_code
            for number in regional_numbers(region, rng, ABROAD_EACH)
        ]
        return cls(tuple(pool), tuple(rng.sample(pool, min(REGULARS, len(pool)))), tuple(abroad))

    def pick(self, rng: random.Random, inbound: bool) -> str:
        roll = rng.random()
        if inbound:
            if roll < WITHHELD_SHARE:
                return "restricted" if rng.random() < RESTRICTED_SHARE else "anonymous"
            roll = (roll - WITHHELD_SHARE) / (1 - WITHHELD_SHARE)
        if roll < REGULAR_SHARE:
            return rng.choice(self.regulars)
        if roll < REGULAR_SHARE + INTERNATIONAL_SHARE:
            return rng.choice(self.abroad)
        return rng.choice(self.pool)


# --------------------------------------------------------------------------------------------
# Times


class Clock:
    """Moments in the last `days` days in the company's zone, up to `now`, busier in office
    hours and on weekdays: each local hour is a slot weighted by its hour and weekday."""

    def __init__(self, company: Company, days: int, now: datetime) -> None:
        zone = company.zone
        first = timezone.localdate(now, zone) - timedelta(days=days - 1)  # kept, as days ≤ kept
        self.now = now.timestamp()
        self.starts: list[float] = []
        self.lengths: list[float] = []
        cumulative, total = [], 0.0
        for offset in range(days):
            day = first + timedelta(days=offset)
            for hour, weight in enumerate(HOUR_WEIGHTS):
                start = datetime(day.year, day.month, day.day, hour, tzinfo=zone).timestamp()
                length = min(3600.0, self.now - start)
                if length <= 0:
                    break
                total += weight * DAY_WEIGHTS[day.weekday()] * length / 3600
                self.starts.append(start)
                self.lengths.append(length)
                cumulative.append(total)
        if not self.starts:  # now is midnight of the only day
            self.starts, self.lengths, cumulative, total = [self.now], [0.0], [1.0], 1.0
        self.earliest = self.starts[0]  # midnight of the first day
        self.cumulative, self.total = cumulative, total

    def moments(self, rng: random.Random, count: int) -> Iterator[float]:
        """`count` moments of the spread, oldest first, drawn one at a time: the history's
        rows go in in time order, as the sync writes them, which keeps the indexes on start
        times appending rather than splitting pages all over, and stores the rows of a day
        together as a real history does. Sorted uniform draws come from the largest down,
        each the one above times a random factor (order statistics); one minus each rises."""
        largest, slot, last = 1.0, 0, len(self.starts) - 1
        for left in range(count, 0, -1):
            largest *= (1.0 - rng.random()) ** (1 / left)
            target = (1.0 - largest) * self.total
            while slot < last and self.cumulative[slot] <= target:
                slot += 1
            below = self.cumulative[slot - 1] if slot else 0.0
            share = min(1.0, (target - below) / (self.cumulative[slot] - below))
            yield self.starts[slot] + share * self.lengths[slot]

    def ending_by_now(self, rng: random.Random, start: float, length: float) -> float:
        """`start`, moved back if a call of `length` seconds from it would not have ended."""
        if start + length <= self.now:
            return start
        return max(self.earliest, self.now - length - rng.random() * 1800)
