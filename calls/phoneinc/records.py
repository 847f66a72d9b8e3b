"""The typed records a Phone.inc answer becomes, and the facts of the API they rest on.

Call states, directions, the list limits and the call-id alphabet are defined here once; the
filter form, the badges, the summary strip and the client all read them from this module.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime
from typing import Any

DIRECTIONS = ("inbound", "outbound")

DEFAULT_LIMIT = 10  # what Phone.inc returns without a limit, and what the list asks for
MAX_LIMIT = 50  # Phone.inc caps a list at this many calls

# Call ids go into upstream URLs, so only a conservative alphabet is let through: no slashes,
# dots, percent signs or control characters, whatever Phone.inc itself might accept.
CALL_ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}"
CALL_ID_RE = re.compile(CALL_ID_PATTERN)

E164_RE = re.compile(r"\+[1-9][0-9]{6,14}")

# A dialable number is digits with the usual punctuation; anything else in from/to
# ("anonymous", "restricted", "private", "") is a withheld caller ID.
_DIALABLE_RE = re.compile(r"[+0-9 ().-]{3,32}")


def is_withheld_number(number: str | None) -> bool:
    """Whether a remote number is withheld: anything but digits with the usual punctuation
    ("anonymous", "restricted", "private", "" or None), or fewer than three digits."""
    if not number or not _DIALABLE_RE.fullmatch(number):
        return True
    return sum(char.isdigit() for char in number) < 3


def is_valid_call_id(value: object) -> bool:
    """Whether `value` may be used as a call id in an upstream URL (and in our own URLs)."""
    return isinstance(value, str) and CALL_ID_RE.fullmatch(value) is not None


# --------------------------------------------------------------------------------------------
# Call states


@dataclasses.dataclass(frozen=True, slots=True)
class CallState:
    """One call state: Phone.inc's value, the word a manager reads for it (in the filter and
    on the badge alike), the badge's tone (a CSS modifier) and whether the call is still on."""

    value: str
    label: str
    tone: str
    is_live: bool


ENDED = "ended"
UNKNOWN_TONE = "unknown"

# The documented lifecycle, in order (docs/phone-inc-calls-api.txt, "Call states").
STATES: tuple[CallState, ...] = (
    CallState("initiated", "Ringing", "ringing", is_live=True),
    CallState("answered", "Answered", "active", is_live=True),
    CallState("playing_audio", "Playing audio", "active", is_live=True),
    CallState("transferring", "Transferring", "active", is_live=True),
    CallState("recording", "Recording", "active", is_live=True),
    CallState("bridged", "In conversation", "active", is_live=True),
    CallState(ENDED, "Ended", "done", is_live=False),
)
_STATES_BY_VALUE = {state.value: state for state in STATES}


def call_state(value: str) -> CallState:
    """The table's entry for `value`. Phone.inc may add states, and parsing keeps them: one
    not in the table reads as its value humanised, in the neutral tone, and is live, since
    only "ended" ends a call."""
    known = _STATES_BY_VALUE.get(value)
    if known is not None:
        return known
    label = value.replace("_", " ").capitalize() or "Unknown"
    return CallState(value, label, UNKNOWN_TONE, is_live=value != ENDED)


# --------------------------------------------------------------------------------------------
# Records


def _pickled_as_constructor_call(record) -> tuple[Any, tuple[Any, ...]]:
    """Records travel through the cache and are unpickled on every page that shows them:
    pickled as a constructor call, they unpickle in a fraction of the time that dataclasses'
    per-field slot state takes."""
    return type(record), tuple(getattr(record, name) for name in record.__slots__)


@dataclasses.dataclass(frozen=True, slots=True)
class Employee:
    """A person at the company who took part in a call. `name` may be "" if Phone.inc omits it."""

    id: str
    name: str

    __reduce__ = _pickled_as_constructor_call


@dataclasses.dataclass(frozen=True, slots=True)
class TranscriptSegment:
    """One speaker turn; `employee_id` is set when the speaker is one of the company's people."""

    speaker: str
    text: str
    employee_id: str | None = None

    __reduce__ = _pickled_as_constructor_call


@dataclasses.dataclass(frozen=True, slots=True)
class Call:
    """One Phone.inc call, as parsed from the API. Numbers are kept as Phone.inc sent them."""

    id: str
    from_number: str
    to_number: str
    direction: str
    state: str
    started_at: datetime | None = None
    answered_at: datetime | None = None
    duration: int | None = None
    summary: str | None = None
    transcription: str | None = None
    segments: tuple[TranscriptSegment, ...] | None = None
    recording_url: str | None = None
    main_number_id: str | None = None
    main_number_name: str | None = None
    main_number: str | None = None
    main_number_formatted: str | None = None
    employees: tuple[Employee, ...] = ()
    initiated_by: Employee | None = None
    # Survives without_recording(), so a cached call still knows whether there is one to play.
    has_recording: bool = False

    __reduce__ = _pickled_as_constructor_call

    def __post_init__(self) -> None:
        if self.recording_url and not self.has_recording:
            object.__setattr__(self, "has_recording", True)

    @property
    def remote_number(self) -> str:
        """The other party: who called us, or whom we called."""
        return self.to_number if self.direction == "outbound" else self.from_number

    @property
    def is_live(self) -> bool:
        """Still going on (states Phone.inc may add included): the detail page keeps polling."""
        return call_state(self.state).is_live

    @property
    def is_ended(self) -> bool:
        return not self.is_live

    @property
    def is_missed(self) -> bool:
        return self.direction == "inbound" and self.is_ended and self.answered_at is None

    @property
    def is_withheld(self) -> bool:
        """The remote party hid their number ("anonymous", "restricted", empty...)."""
        return is_withheld_number(self.remote_number)

    @property
    def has_valid_id(self) -> bool:
        """Whether our URLs can link to this call (ids outside CALL_ID_RE cannot be fetched)."""
        return is_valid_call_id(self.id)

    def without_recording(self) -> Call:
        """A copy safe to cache: recording URLs are minted per request and expire."""
        if self.recording_url is None:
            return self
        return dataclasses.replace(self, recording_url=None, has_recording=True)
