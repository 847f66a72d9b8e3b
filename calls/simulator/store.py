"""How the simulator keeps calls: per account, in their final form, newest first on demand."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from . import timeline
from .clock import parse_iso
from .companies import Profile

if TYPE_CHECKING:
    from .stream import Pace


@dataclass
class StoredCall:
    """A call as stored: vendor fields, plus what the simulator needs to present it.

    `recording` says whether an ended call gets a minted `recording_url` (an explicit
    `recording_url` in `fields` wins). `live_start` makes it a live call whose state follows
    its `flow` on the timeline; `fields` then hold its final, ended form.
    """

    fields: dict[str, Any]
    recording: bool = True
    live_start: datetime | None = None
    flow: timeline.Flow = timeline.ANSWERED
    seq: int = 0

    @property
    def id(self) -> str:
        return str(self.fields.get("id"))

    def started(self) -> datetime | None:
        return self.live_start or parse_iso(self.fields.get("started_at"))

    def sort_key(self) -> tuple[bool, float, int]:
        """Newest first when sorted in reverse; calls not started yet come first of all."""
        started = self.started()
        return (started is None, started.timestamp() if started else 0.0, self.seq)


@dataclass
class Account:
    """A company's calls, and the pace at which new ones come (None: none come)."""

    profile: Profile
    calls: dict[str, StoredCall] = field(default_factory=dict)
    pace: Pace | None = None
    streamed: deque[str] = field(default_factory=deque)  # ids of the stream's calls, oldest first
    _seq: int = 0

    def add(self, call: StoredCall) -> StoredCall:
        self._seq += 1
        call.seq = self._seq
        self.calls[call.id] = call
        return call
