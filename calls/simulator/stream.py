"""The stream of new calls: a company's pace, and the varied calls it brings.

Nothing runs in the background. A pace says when its k-th call starts, and the simulator
creates the calls that are due whenever an account is read (`Simulator._materialise`), so
advancing the clock is all it takes. Each call is drawn from a `random.Random` seeded by the
company, the pace's number and k: two simulators given the same switches at the same
simulated moments make the same calls.

Pace 0 is the seeded stream (`seed.recurring`: one answered inbound call every `live_every`
seconds, for the companies that have one). A pace set by `Simulator.set_rate` brings calls as
varied as a real line's: mostly inbound, some of them missed (the caller hangs up or leaves a
voicemail), some outbound, which most often return a recent missed caller, so the callbacks
board fills as the stream runs.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from fractions import Fraction

from . import timeline
from .companies import Profile
from .dialogue import slots_for
from .seed import call_fields, line_weights, pick_remote
from .store import StoredCall

MAX_PER_MINUTE = 6000  # 100 calls a second: far past any test of a sync pass's reach
MICROSECOND = timedelta(microseconds=1)
MICROS_PER_MINUTE = 60_000_000

OUTBOUND_SHARE = 0.25
MISSED_SHARE = 0.2  # of inbound calls
NO_ANSWER_SHARE = 0.15  # of outbound calls
WITHHELD_SHARE = 0.03  # of inbound calls
VOICEMAIL_SHARE = 0.4  # of missed calls
TRANSFER_SHARE = 0.1  # of answered inbound calls: a colleague joins
CALLBACK_SHARE = 0.7  # of outbound calls, when a recent missed caller waits
CALLBACK_AFTER = 2  # minutes: every missed call has ended by then (see timeline.missed)
CALLBACK_LOOKBACK = 12  # how many calls, from that far back, an outbound call looks over

HUNG_UP = (None, "Missed call. The caller did not leave a message.")
VOICEMAILS = (
    "Voicemail: the caller asked to be called back about order #{order}.",
    "Voicemail: the caller wants a quote for the {product} and asked for a call back.",
    "Voicemail: the caller has a question about invoice {invoice} and will try again {day}.",
    "Voicemail: the caller would like to book an appointment for {day}.",
)


def per_minute_of(value: object) -> Fraction:
    """A pace as given (a JSON number), exact, or ValueError saying what is allowed.

    Read through its decimal text, so 0.1 a minute is exactly one call every ten minutes.
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not 0 <= value <= MAX_PER_MINUTE
    ):
        raise ValueError(f"per_minute must be a number of calls from 0 to {MAX_PER_MINUTE}")
    return Fraction(str(value))


@dataclass
class Pace:
    """New calls at a steady pace from `since`: the k-th (k = 1, 2, ...) starts k / per_minute
    minutes later. Exact fractions, so 600 a minute makes 600 calls a minute, not 599."""

    per_minute: Fraction
    since: datetime
    number: int  # 0 for the seeded stream, counting up with every switch
    made: int = 0  # the calls up to this index exist (or were skipped as too old)

    @classmethod
    def seeded(cls, profile: Profile, start: datetime) -> Pace | None:
        """The stream a company has from the start, if any."""
        if not profile.live_every:
            return None
        return cls(Fraction(60, profile.live_every), start, 0)

    def index_at(self, moment: datetime) -> Fraction:
        """How many call intervals have passed at `moment` (negative before `since`)."""
        micros = (moment - self.since) // MICROSECOND
        return Fraction(micros, MICROS_PER_MINUTE) * self.per_minute

    def due(self, moment: datetime) -> int:
        """The index of the last call started by `moment` (0 for none)."""
        return max(0, math.floor(self.index_at(moment)))

    def first_from(self, moment: datetime) -> int:
        """The index of the first call that starts at or after `moment`."""
        return max(1, math.ceil(self.index_at(moment)))

    def start_of(self, k: int) -> datetime:
        """When the k-th call starts, to the microsecond."""
        micros = round(Fraction(k * MICROS_PER_MINUTE) / self.per_minute)
        return self.since + timedelta(microseconds=micros)


@dataclass(frozen=True)
class Plan:
    """What kind of call the k-th is: drawn first, so later calls can look back at it."""

    direction: str
    answered: bool
    remote: str

    @property
    def awaits_callback(self) -> bool:
        return self.direction == "inbound" and not self.answered and self.remote != "anonymous"


def _rng(profile: Profile, number: int, k: int) -> random.Random:
    return random.Random(f"phonedash-simulator-stream-{profile.company.name}-{number}-{k}")


def _draw(profile: Profile, rng: random.Random) -> Plan:
    if rng.random() < OUTBOUND_SHARE:
        answered = rng.random() >= NO_ANSWER_SHARE
        return Plan("outbound", answered, pick_remote(rng, profile))
    answered = rng.random() >= MISSED_SHARE
    withheld = rng.random() < WITHHELD_SHARE
    return Plan("inbound", answered, "anonymous" if withheld else pick_remote(rng, profile))


def plan(profile: Profile, pace: Pace, k: int) -> tuple[Plan, random.Random]:
    """The k-th call's kind, and the generator that goes on to fill in its details.

    An outbound call most often returns a missed caller: the latest among the calls that
    started a little over `CALLBACK_AFTER` minutes before it.
    """
    rng = _rng(profile, pace.number, k)
    drawn = _draw(profile, rng)
    if drawn.direction == "outbound" and rng.random() < CALLBACK_SHARE:
        newest = k - max(1, math.ceil(pace.per_minute * CALLBACK_AFTER))
        for earlier in range(newest, max(0, newest - CALLBACK_LOOKBACK), -1):
            before = _draw(profile, _rng(profile, pace.number, earlier))
            if before.awaits_callback:
                return replace(drawn, remote=before.remote), rng
    return drawn, rng


def _talk(rng: random.Random) -> int:
    """Seconds of conversation: about two minutes, now and then much longer."""
    return max(20, min(900, int(rng.lognormvariate(4.7, 0.6))))


def _missed(rng: random.Random) -> tuple[timeline.Flow, str | None]:
    """A missed call's flow and summary: a voicemail's gist, or at most a note that it rang."""
    voicemail = rng.random() < VOICEMAIL_SHARE
    if voicemail:
        summary = rng.choice(VOICEMAILS).format(**slots_for(rng, ""))
    else:
        summary = rng.choice(HUNG_UP)
    return timeline.missed(rng, voicemail=voicemail, duration=rng.choice((0, None))), summary


def new_call(profile: Profile, pace: Pace, k: int) -> StoredCall:
    """The pace's k-th call, walking a flow of its own from its start."""
    started = pace.start_of(k)
    kind, rng = plan(profile, pace, k)
    main = rng.choices(profile.main_numbers, weights=line_weights(profile))[0]
    employee = rng.choice(profile.employees)
    missed = kind.direction == "inbound" and not kind.answered
    summary = None
    if kind.direction == "outbound":
        flow = timeline.outbound(rng, _talk(rng) if kind.answered else None)
    elif missed:
        flow, summary = _missed(rng)
    else:
        flow = timeline.inbound(rng, _talk(rng))
    fields = call_fields(
        profile,
        rng,
        started=started,
        direction=kind.direction,
        remote=kind.remote,
        main=main,
        employee=employee,
        answered=kind.answered,
        duration=flow.duration,
        transcript="text" if rng.random() < 0.05 else "segments",
    )
    if missed:
        fields["summary"] = summary
    elif kind.answered and len(profile.employees) > 1 and rng.random() < TRANSFER_SHARE:
        colleague = rng.choice([e for e in profile.employees if e != employee])
        fields["employees"].append(dict(colleague))  # transferred to a colleague
    return StoredCall(fields, recording=kind.answered, live_start=started, flow=flow)
