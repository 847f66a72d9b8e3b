"""Where pages get calls: one `CallQuery` in, one `Listing` out, whatever source answers it.

`source_for(company, query)` picks the source; every source has the same methods (`CallSource`),
so a page never knows which one answered: the Phone.inc window (calls.sources.window) for the
newest calls, and the stored call history (calls.sources.history) for a dated query, when the
company keeps one; the window refuses what only a history could answer.
"""

from __future__ import annotations

from typing import Protocol

from calls.answers.store import Answer
from calls.models import Company
from calls.phoneinc import Call
from calls.sources.history import History
from calls.sources.query import CallQuery, Listing, NeedsHistory
from calls.sources.window import Window

__all__ = [
    "CallQuery",
    "CallSource",
    "History",
    "Listing",
    "NeedsHistory",
    "Window",
    "call_source",
    "source_for",
]


class CallSource(Protocol):
    def list(self, query: CallQuery, *, searcher: int | None = None) -> Listing:
        """The query's calls, newest first; raises PhoneIncError (NeedsHistory included)."""
        ...

    def peek(self, query: CallQuery) -> Listing | None:
        """The query's calls if they can be had without asking Phone.inc or waiting, else None."""
        ...

    def call(self, call_id: str) -> Answer[Call]:
        """One call, as recently known (never with its recording link)."""
        ...

    def fresh_call(self, call_id: str) -> Call:
        """One call asked of Phone.inc now, recording link included: never kept."""
        ...


def source_for(company: Company, query: CallQuery | None = None) -> CallSource:
    """The source that answers `query` for the company."""
    if query is not None and query.is_dated and company.keeps_history:
        return History(company)
    return Window(company)


def call_source(company: Company) -> CallSource:
    """The source of a call's own page: Phone.inc, and, when the company keeps a history, the
    history's copy of a call Phone.inc no longer has or cannot give just now."""
    return History(company) if company.keeps_history else Window(company)
