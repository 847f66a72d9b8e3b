"""The summary strip over calls: counts and average talk time, of the calls a live list shows
or of all the calls of a period (calls.sources.history counts those in the database)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from calls.phoneinc import Call


@dataclass(frozen=True, slots=True)
class CallStats:
    total: int
    inbound: int
    outbound: int
    missed: int
    answered: int
    live: int  # calls whose state the table of call states (phoneinc.STATES) calls live
    average_talk: int | None  # seconds, over answered calls that have a duration


def summarize(calls: Sequence[Call]) -> CallStats:
    talk = [c.duration for c in calls if c.answered_at is not None and c.duration]
    return CallStats(
        total=len(calls),
        inbound=sum(c.direction == "inbound" for c in calls),
        outbound=sum(c.direction == "outbound" for c in calls),
        missed=sum(c.is_missed for c in calls),
        answered=sum(c.answered_at is not None for c in calls),
        live=sum(c.is_live for c in calls),
        average_talk=round(sum(talk) / len(talk)) if talk else None,
    )
