"""What a page asks for when it asks for calls, and what it gets back.

Every page that shows calls (the list, the callbacks board, insights, the export, the team's
lines) describes what it wants as one `CallQuery` and gets a `Listing` from the company's
source (calls.sources): the Phone.inc window today, the stored call history where a company
keeps one. A query a source cannot answer is refused with an error a page shows as it shows
Phone.inc's (`NeedsHistory`: a 400 saying why), never sent on half-answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from calls.answers.store import Answer
from calls.phoneinc import DEFAULT_LIMIT, Call, PhoneIncError


@dataclass(frozen=True, slots=True)
class CallQuery:
    """Which calls, newest first: each field narrows them, None (or empty) leaves them be.

    `phone_number` is the remote party in E.164; `lines` the main numbers (E.164) the calls
    must be on, a member's scope and any line filter already met; `employee` a Phone.inc
    employee id, on the call or placing it; `since` and `until` the start times, `until`
    excluded; `limit` how many calls; `cursor` where a page of older calls starts.
    """

    phone_number: str | None = None
    direction: str | None = None
    state: str | None = None
    lines: frozenset[str] = frozenset()
    employee: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None

    def upstream(self) -> dict[str, str | int]:
        """The parameters Phone.inc's list takes, as it takes them (no empty ones)."""
        values = {
            "phone_number": self.phone_number,
            "direction": self.direction,
            "state": self.state,
            "limit": self.limit,
        }
        return {name: value for name, value in values.items() if value not in (None, "")}

    @property
    def is_dated(self) -> bool:
        """Whether it asks for a time range or a further page: only history answers those."""
        return self.since is not None or self.until is not None or self.cursor is not None


@dataclass(frozen=True, slots=True)
class Listing:
    """What a source answers a query with: the calls, newest first, and where they came from.

    `answer` says when they were read and whether they are an old answer shown while Phone.inc
    fails. From the Phone.inc window, `window` is Phone.inc's whole answer before the query's
    lines and employee were applied. From the history, `total` is how many calls match in all,
    `older` the cursor of the next page (None on the last), `gaps` the gaps the period overlaps.
    """

    calls: tuple[Call, ...]
    answer: Answer[tuple[Call, ...]]
    window: tuple[Call, ...] = ()
    total: int | None = None
    older: str | None = None
    gaps: tuple = ()

    @property
    def is_stale(self) -> bool:
        return self.answer.is_stale


class NeedsHistory(PhoneIncError):
    """A question only the call history can answer (a date range, a further page), for a
    company that keeps none: refused before anything is asked, shown as a 400 that says why.

    A PhoneIncError so that every page shows it as it shows Phone.inc's failures (styled, with
    its status), though Phone.inc is never asked."""

    title = "This needs the call history"
    status = 400
    is_final = True
    default_message = (
        "Phone.inc gives only its most recent calls, without dates or further pages: this "
        "needs the call history, which your company does not keep. An admin can turn it on."
    )
