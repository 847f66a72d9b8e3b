"""Live calls: what a call in progress looks like at a given moment.

A live call is stored in its final, ended form; this module masks it according to how long
ago it started. Nothing runs in the background: the view is computed from the simulated clock
on every request, so advancing the clock is all it takes to move a call along.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from .clock import iso

# Seconds after the start at which each state begins.
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


def state_at(elapsed: float) -> str:
    """The state a live call is in `elapsed` seconds after it started."""
    current = STEPS[0][1]
    for after, state in STEPS:
        if elapsed >= after:
            current = state
    return current


def view_at(final: dict[str, Any], started: datetime, now: datetime) -> dict[str, Any]:
    """The call as the vendor would show it at `now`, given its final form."""
    elapsed = (now - started).total_seconds()
    view = dict(final)
    view["state"] = state_at(elapsed)
    view["started_at"] = iso(started)
    answered = elapsed >= ANSWERED_AFTER
    view["answered_at"] = iso(started + timedelta(seconds=ANSWERED_AFTER)) if answered else None
    view["duration"] = DURATION if elapsed >= ENDED_AFTER else None
    if not answered and view.get("direction") != "outbound":
        view["employees"] = []  # nobody has picked up yet
    if elapsed < SUMMARY_AFTER:
        view["summary"] = None
    if elapsed < TRANSCRIPT_AFTER:
        view["transcription"] = None
        view["transcription_segments"] = None
    return view
