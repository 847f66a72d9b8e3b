"""Synthetic call history, for trials and benchmarks (`seedhistory`).

`batches` makes N plausible calls spread over a company's last D days, M of them with
transcripts, as unsaved `StoredCall` rows in lists of BATCH, oldest first: memory stays flat
whatever N, and the command writes each list in one transaction. Every row goes through
`StoredCall.fields_of`, as the sync's do, so what the company's level does not keep is never
written. The made-up numbers, callers, cast, ids and clock come from calls.history.synthetic,
the summaries and transcripts from calls.history.synthetic_talk. The choices made:

- **Lines and employees** are the company's own, as seen in its newest stored calls; when it
  has none, made-up ones (`synthetic.cast_of`).
- **Callers** are the region's numbers, some regulars, a few abroad, some withheld
  (`synthetic.Callers`).
- **Times** fall on the last D days in the company's time zone, today up to now, weighted by
  hour and weekday (`synthetic.Clock`); calls end before now. Rows come in time order, as the
  sync writes them (`Clock.moments` says why).
- **The mix**: about 65% inbound answered, 15% inbound missed (RETURNED of them followed by
  an answered outbound call to the same number minutes to hours later), 20% outbound (a
  quarter unanswered). Answered calls last minutes and have a recording; missed and
  unanswered ones last 0 s. A few calls (up to LIVE_CALLS) are live: started in the last
  minutes, in a state other than ended, with no duration.
- **Content**: ended answered calls have a summary when the level keeps summaries; M of them,
  spread over the run, have a transcript of about 2 KB (`synthetic_talk.conversation`),
  allowed only when the level keeps transcripts. Calls with a transcript are answered calls,
  so when M is a large share of N the rest lean towards missed and unanswered ones.
- **Ids** are SYNTHETIC_PREFIX and a UUIDv7-shaped tail: within the call-id alphabet,
  never a real Phone.inc id (those are bare UUIDs), easy to find and delete, and unique in
  a run by construction (the tail's time field counts up).
- **Determinism**: everything comes from `random.Random` seeded with the company's name,
  N, D, M and how many calls its history held before (`already`): the same arguments on the
  same history make the same ids (and, at the same `now`, the same calls), and a second run
  makes other ids.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils import timezone

from calls.history import synthetic_talk
from calls.history.synthetic import Callers, Cast, Clock, Line, made_up_cast, uuid7_shaped
from calls.models import Company, StoredCall
from calls.phoneinc import Call, Employee

BATCH = 5000
# Rows in each INSERT bulk_create makes. On SQLite 1,000 write 100,000 calls in about 10 s
# where one INSERT a batch takes 12 s and a third more memory (on PostgreSQL both take 7.5 s),
# and 1,000 rows of StoredCall's columns stay under SQLite's default limit of 32,766
# parameters, so the statements are the same on every build.
INSERT_ROWS = 1000
SYNTHETIC_PREFIX = "synthetic-"

# The mix, as shares of all calls; RETURNED of the missed calls are returned by an answered
# outbound call, one of OUTBOUND_ANSWERED.
INBOUND_ANSWERED, INBOUND_MISSED = 0.65, 0.15
OUTBOUND_ANSWERED, OUTBOUND_UNANSWERED = 0.15, 0.05  # 20% outbound
RETURNED = 0.4
RETURNED_AFTER = (5 * 60, 4 * 3600)  # seconds after the missed call
TRANSFERRED = 0.1  # answered inbound calls that a colleague joins
LIVE_CALLS, LIVE_PER = 5, 200  # one live call per LIVE_PER calls, at most LIVE_CALLS
LIVE_SINCE = 600  # live calls started at most this many seconds ago

LINE_WEIGHTS = (4, 2, 1)  # the first line is the busiest; lines beyond three weigh 1

# A live call's state, and whether someone has answered it.
LIVE_STATES = (
    ("initiated", False),
    ("playing_audio", False),
    ("recording", False),  # taking a voicemail
    ("answered", True),
    ("bridged", True),
    ("bridged", True),
)

ROW_ORDER = [field.attname for field in StoredCall._meta.concrete_fields]


def check(company: Company, calls: int, days: int, transcripts: int = 0) -> None:
    """Refuse, with a one-line reason a person can act on (ValueError), what cannot be seeded."""
    if not company.keeps_history:
        raise ValueError(f"{company.name!r} keeps no call history (its history is off).")
    if calls < 1:
        raise ValueError(f"--calls must be at least 1, not {calls}.")
    if not 1 <= days <= company.history_days:
        raise ValueError(
            f"--days must be between 1 and the {company.history_days} days {company.name!r} "
            f"keeps, not {days}."
        )
    if transcripts < 0:
        raise ValueError(f"--transcripts cannot be negative ({transcripts}).")
    if transcripts > calls:
        raise ValueError(f"--transcripts ({transcripts:,}) cannot exceed --calls ({calls:,}).")
    if transcripts and not company.keeps(Company.TRANSCRIPTS):
        raise ValueError(
            f"{company.name!r} keeps {company.history}, not transcripts: --transcripts must be 0."
        )


def batches(
    company: Company,
    calls: int,
    days: int,
    transcripts: int = 0,
    *,
    cast: Cast | None = None,
    already: int = 0,
    now: datetime | None = None,
    size: int = BATCH,
) -> Iterator[list[StoredCall]]:
    """`calls` synthetic calls of the company over its last `days` days, `transcripts` of
    them with a transcript, as unsaved rows in lists of `size`. Raises ValueError (`check`)
    before making any."""
    check(company, calls, days, transcripts)
    return _Seeder(company, calls, days, transcripts, cast, already, now or timezone.now()).run(
        size
    )


def _at(epoch: float) -> datetime:
    return datetime.fromtimestamp(round(epoch), UTC)


@dataclass(frozen=True, slots=True)
class _Return:
    """A missed call to return: whom, on which line, and when."""

    remote: str
    line: Line
    start: float


INBOUND_ANSWERED_KIND, MISSED_KIND, OUTBOUND_ANSWERED_KIND, UNANSWERED_KIND = range(4)


class _Seeder:
    """One run's calls, made in order from its seeded random streams."""

    def __init__(
        self,
        company: Company,
        calls: int,
        days: int,
        transcripts: int,
        cast: Cast | None,
        already: int,
        now: datetime,
    ) -> None:
        self.company, self.calls, self.transcripts, self.now = company, calls, transcripts, now
        seed = f"phonedash-synthetic|{company.name}|{calls}|{days}|{transcripts}|{already}"
        self.rng = random.Random(seed)
        self.id_rng = random.Random(f"{seed}|ids")  # one draw a call: ids ignore the clock
        self.id_base = self.id_rng.getrandbits(47)
        self.cast = cast or made_up_cast(company)
        self.callers = Callers.of(company, self.cast)
        self.clock = Clock(company, days, now)
        self.line_weights = list(
            itertools.accumulate(
                [*LINE_WEIGHTS, *[1] * len(self.cast.lines)][: len(self.cast.lines)]
            )
        )
        self.summaries = company.keeps(Company.SUMMARIES)
        self.live = min(LIVE_CALLS, calls // LIVE_PER, calls - transcripts)
        # Kinds of the calls without a transcript, weighed so that the whole run keeps the
        # mix: transcripts take answered calls, returned calls are counted as outbound ones.
        share = transcripts / calls
        answered_left = max(0.0, 1 - share / (INBOUND_ANSWERED + OUTBOUND_ANSWERED))
        weights = (
            INBOUND_ANSWERED * answered_left,
            INBOUND_MISSED,
            max(0.0, OUTBOUND_ANSWERED * answered_left - INBOUND_MISSED * RETURNED),
            OUTBOUND_UNANSWERED,
        )
        self.kind_weights = list(itertools.accumulate(weights))

    def run(self, size: int) -> Iterator[list[StoredCall]]:
        rng, batch = self.rng, []
        ended = self.calls - self.live
        transcripts_left = self.transcripts
        returning: _Return | None = None
        for index, start in enumerate(self.clock.moments(rng, ended)):
            # Selection sampling: exactly `transcripts` of the ended calls, spread at random.
            transcript = rng.random() * (ended - index) < transcripts_left
            transcripts_left -= transcript
            if returning is not None:  # its own moment is not needed
                call, returning = self.returned_call(returning, transcript), None
            else:
                call, returning = self.new_call(start, transcript, last=index == ended - 1)
            batch.append(self.row(call))
            if len(batch) == size:
                yield batch
                batch = []
        for _ in range(self.live):
            batch.append(self.row(self.live_call()))
            if len(batch) == size:
                yield batch
                batch = []
        if batch:
            yield batch

    def row(self, call: Call) -> StoredCall:
        """The call as stored; its fields given in order, which makes the row in half the
        time keywords take (Model.__init__'s fast path)."""
        fields = StoredCall.fields_of(call, self.company.region, self.company.history)
        fields.update(
            id=None,
            company_id=self.company.pk,
            call_id=call.id,
            first_seen_at=self.now,
            fetched_at=self.now,
            returned_at=None,  # marked once every call is in (calls.history.store.recount)
        )
        return StoredCall(*[fields[name] for name in ROW_ORDER])

    def new_id(self) -> str:
        """UUIDv7-shaped: the time field counts up from a random start (unique in a run),
        version 7, the RFC 9562 variant, random bits after."""
        self.id_base += 1
        tail = self.id_rng.getrandbits(74)
        return SYNTHETIC_PREFIX + uuid7_shaped(self.id_base, tail >> 62, tail & ((1 << 62) - 1))

    def line(self) -> Line:
        roll = self.rng.random() * self.line_weights[-1]
        return self.cast.lines[
            min(bisect.bisect_right(self.line_weights, roll), len(self.cast.lines) - 1)
        ]

    def employee(self) -> Employee:
        return self.rng.choice(self.cast.employees)

    def new_call(
        self, start: float, transcript: bool, *, last: bool
    ) -> tuple[Call, _Return | None]:
        """A call on its own; a missed one may bring the call that returns it."""
        rng = self.rng
        if transcript:
            inbound = rng.random() * (INBOUND_ANSWERED + OUTBOUND_ANSWERED) < INBOUND_ANSWERED
            kind = INBOUND_ANSWERED_KIND if inbound else OUTBOUND_ANSWERED_KIND
        else:
            roll = rng.random() * self.kind_weights[-1]
            kind = min(bisect.bisect_right(self.kind_weights, roll), UNANSWERED_KIND)
        inbound = kind in (INBOUND_ANSWERED_KIND, MISSED_KIND)
        remote, line = self.callers.pick(rng, inbound), self.line()
        if kind == MISSED_KIND:
            call = self.ended(remote, line, start, inbound=True, answered=False)
            later = start + rng.uniform(*RETURNED_AFTER)
            if (
                not last
                and rng.random() < RETURNED
                and remote.startswith("+")
                and later + 3600 < self.clock.now
            ):
                return call, _Return(remote, line, later)
            return call, None
        answered = kind != UNANSWERED_KIND
        return self.ended(remote, line, start, inbound, answered, transcript), None

    def returned_call(self, missed: _Return, transcript: bool) -> Call:
        return self.ended(missed.remote, missed.line, missed.start, False, True, transcript)

    def ended(
        self,
        remote: str,
        line: Line,
        start: float,
        inbound: bool,
        answered: bool,
        transcript: bool = False,
    ) -> Call:
        rng = self.rng
        employee = self.employee()
        ring = rng.randint(3, 22)
        duration = summary = text = segments = None
        if answered:
            mu = 5.0 if inbound else 4.6
            duration = max(20, min(1800, int(rng.lognormvariate(mu, 0.7))))
            if transcript:
                summary, segments = synthetic_talk.conversation(
                    rng, self.company.name, line.name, employee, outbound=not inbound
                )
                text = " ".join(segment.text for segment in segments)
                duration = max(duration, len(text) // 15 + 20)  # about 15 characters a second
            elif self.summaries:
                summary = synthetic_talk.summary(rng, employee, outbound=not inbound)
        start = self.clock.ending_by_now(rng, start, ring + (duration or 0))
        staff: tuple[Employee, ...] = ()
        if answered or not inbound:
            staff = (employee,)
        if answered and inbound and len(self.cast.employees) > 1 and rng.random() < TRANSFERRED:
            staff += (rng.choice([e for e in self.cast.employees if e != employee]),)
        return Call(
            id=self.new_id(),
            from_number=remote if inbound else line.number,
            to_number=line.number if inbound else remote,
            direction="inbound" if inbound else "outbound",
            state="ended",
            started_at=_at(start),
            answered_at=_at(start + ring) if answered else None,
            duration=duration if answered else 0,
            summary=summary,
            transcription=text,
            segments=segments,
            main_number_id=line.id,
            main_number_name=line.name,
            main_number=line.number,
            main_number_formatted=line.formatted,
            employees=staff,
            initiated_by=None if inbound else employee,
            has_recording=answered,
        )

    def live_call(self) -> Call:
        """An inbound call started in the last minutes and not ended yet."""
        rng = self.rng
        state, answered = rng.choice(LIVE_STATES)
        line, employee = self.line(), self.employee()
        start = max(self.clock.earliest, self.clock.now - rng.uniform(10, LIVE_SINCE))
        return Call(
            id=self.new_id(),
            from_number=self.callers.pick(rng, inbound=True),
            to_number=line.number,
            direction="inbound",
            state=state,
            started_at=_at(start),
            answered_at=_at(min(start + rng.randint(3, 22), self.clock.now)) if answered else None,
            main_number_id=line.id,
            main_number_name=line.name,
            main_number=line.number,
            main_number_formatted=line.formatted,
            employees=(employee,) if answered else (),
        )
