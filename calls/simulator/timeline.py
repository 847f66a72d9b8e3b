"""Live calls: what a call in progress looks like at a given moment.

A live call is stored in its final, ended form; this module masks it according to how long
ago it started. Nothing runs in the background: the view is computed from the simulated clock
on every request, so advancing the clock is all it takes to move a call along.

How a call unfolds is its `Flow`. `ANSWERED` is the one every live call follows unless told
otherwise: greeting, transfer, picked up at 14 s, a 62 s talk. The stream of new calls
(`stream`) draws flows of its own, so its calls differ: answered after a shorter or longer
wait, missed (the caller hangs up, or leaves a voicemail), or placed by an employee.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .clock import iso

# Seconds after the start at which each state begins, in the standard answered flow.
STEPS: tuple[tuple[int, str], ...] = (
    (0, "initiated"),
    (4, "playing_audio"),
    (10, "transferring"),
    (14, "answered"),
    (16, "bridged"),
    (76, "ended"),
)
ANSWERED_AFTER = 14
ENDED_AFTER = 76
SUMMARY_AFTER = 86
TRANSCRIPT_AFTER = 96
DURATION = ENDED_AFTER - ANSWERED_AFTER  # measured from answered_at, as the vendor does


@dataclass(frozen=True)
class Flow:
    """How one live call unfolds, in seconds after its start.

    `steps` says when each state begins (the last one is "ended"). Without `answered_after`
    nobody picks up; without `summary_after` or `transcript_after` that part never appears.
    `duration` is what the call shows once ended.
    """

    steps: tuple[tuple[int, str], ...]
    answered_after: int | None
    duration: int | None
    summary_after: int | None
    transcript_after: int | None

    @property
    def ended_after(self) -> int:
        return self.steps[-1][0]

    def state_at(self, elapsed: float) -> str:
        """The state the call is in `elapsed` seconds after it started."""
        current = self.steps[0][1]
        for after, state in self.steps:
            if elapsed >= after:
                current = state
        return current


ANSWERED = Flow(STEPS, ANSWERED_AFTER, DURATION, SUMMARY_AFTER, TRANSCRIPT_AFTER)


def state_at(elapsed: float) -> str:
    """The state a call in the standard answered flow is in `elapsed` seconds after it started."""
    return ANSWERED.state_at(elapsed)


def _greeting(rng: random.Random) -> tuple[int, int]:
    """When the greeting starts playing and when the caller is put through to a team."""
    audio = rng.randint(2, 5)
    return audio, audio + rng.randint(5, 12)


def inbound(rng: random.Random, talk: int) -> Flow:
    """An inbound call picked up after the greeting and some ringing, then `talk` seconds."""
    audio, transfer = _greeting(rng)
    answered = transfer + rng.randint(3, 20)
    ended = answered + talk
    summary = ended + rng.randint(6, 20)
    steps = (
        (0, "initiated"),
        (audio, "playing_audio"),
        (transfer, "transferring"),
        (answered, "answered"),
        (answered + 2, "bridged"),
        (ended, "ended"),
    )
    return Flow(steps, answered, talk, summary, summary + rng.randint(5, 25))


def missed(rng: random.Random, *, voicemail: bool, duration: int | None) -> Flow:
    """An inbound call nobody picks up: the caller hangs up while it rings, or goes to
    voicemail ("recording") and leaves a message. Never answered, so never a transcript."""
    audio, transfer = _greeting(rng)
    steps = [(0, "initiated"), (audio, "playing_audio"), (transfer, "transferring")]
    if voicemail:
        recording = transfer + rng.randint(20, 30)
        steps.append((recording, "recording"))
        ended = recording + rng.randint(15, 60)
    else:
        ended = transfer + rng.randint(8, 40)
    steps.append((ended, "ended"))
    return Flow(tuple(steps), None, duration, ended + rng.randint(6, 20), None)


def outbound(rng: random.Random, talk: int | None) -> Flow:
    """A call an employee places: it rings ("initiated") until answered and then runs `talk`
    seconds, or, when `talk` is None, until the employee gives up."""
    if talk is None:
        return Flow(((0, "initiated"), (rng.randint(20, 40), "ended")), None, None, None, None)
    answered = rng.randint(5, 25)
    ended = answered + talk
    summary = ended + rng.randint(6, 20)
    steps = ((0, "initiated"), (answered, "answered"), (answered + 1, "bridged"), (ended, "ended"))
    return Flow(steps, answered, talk, summary, summary + rng.randint(5, 25))


def view_at(
    final: dict[str, Any], started: datetime, now: datetime, flow: Flow = ANSWERED
) -> dict[str, Any]:
    """The call as the vendor would show it at `now`, given its final form and its flow."""
    elapsed = (now - started).total_seconds()
    view = dict(final)
    view["state"] = flow.state_at(elapsed)
    view["started_at"] = iso(started)
    after = flow.answered_after
    answered_at = None if after is None or elapsed < after else started + timedelta(seconds=after)
    view["answered_at"] = iso(answered_at) if answered_at else None
    view["duration"] = flow.duration if elapsed >= flow.ended_after else None
    if answered_at is None and view.get("direction") != "outbound":
        view["employees"] = []  # nobody has picked up (yet, or ever)
    if flow.summary_after is None or elapsed < flow.summary_after:
        view["summary"] = None
    if flow.transcript_after is None or elapsed < flow.transcript_after:
        view["transcription"] = None
        view["transcription_segments"] = None
    return view
