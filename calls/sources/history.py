"""The stored call history as a call source: any day, week or month the company keeps.

Answers a CallQuery from the company's own rows (StoredCall), never another's: a period's calls
newest first, a page at a time (keyset paging: a cursor names the last call shown, so page
1,000 costs what page 1 does), with the number of matching calls, the summary strip over all of
them and the gaps the period overlaps. Everything is counted by the database; insights read the
tallies kept per day (calls.sources.rollups).
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Iterator
from datetime import datetime

from django.db.models import Avg, Count, Q, QuerySet

from calls import memo
from calls.answers.store import Answer
from calls.models import Company, Gap, StoredCall
from calls.phoneinc import Call, NotFound, PhoneIncError
from calls.sources.query import CallQuery, Listing, NeedsHistory
from calls.sources.stats import CallStats
from calls.sources.window import Window

MAX_LIMIT = 200  # calls on a page of a period
MISSED = Q(direction="inbound", state="ended", answered_at__isnull=True)
# Columns a page of calls never shows: left in the database.
CONTENT = ("summary", "transcription", "segments", "words", "search_summary", "search_transcript")


PAGES_KEPT = 64
PAGES_BYTES = 4 * 1024 * 1024
# A page of a period (its calls, the count, the cursor, the gaps) kept per process under the
# company's history version, which every change to its stored calls moves on: a warm page is
# three queries fewer. Kept because the budget needs it (the README's Benchmarks section).
_pages: memo.Memo[tuple, Listing] = memo.Memo(
    "history pages", entries=PAGES_KEPT, max_bytes=PAGES_BYTES, sizeof=memo.deep
)


class GoneUpstream(NotFound):
    """A stored call Phone.inc no longer has: shown as the history stored it."""

    default_message = "Phone.inc no longer has this call: this is the copy the call history stored."


class BadCursor(NeedsHistory):
    """A `before=` cursor phonedash could not have made."""

    title = "That page of calls cannot be found"
    default_message = "That page of calls cannot be found. Start again from the newest calls."


class History:
    """The company's stored calls (calls.sources.CallSource); a call's own page, its recording
    and what is not dated still come from Phone.inc (the window)."""

    def __init__(self, company: Company) -> None:
        if not company.keeps_history:
            raise NeedsHistory()
        self.company = company
        self.window = Window(company)

    # --- CallSource -----------------------------------------------------------------------

    def list(self, query: CallQuery, *, searcher: int | None = None) -> Listing:
        key = (self.company.pk, self.company.history_version, query)
        kept = _pages.get(key)
        if kept is None:
            kept = _pages.put(key, self._list(query))
        return kept

    def _list(self, query: CallQuery) -> Listing:
        rows = self.rows(query)
        if query.cursor:
            started, pk = read_cursor(query.cursor)
            rows = rows.filter(Q(started_at__lt=started) | Q(started_at=started, pk__lt=pk))
        page = list(rows.defer(*CONTENT).order_by("-started_at", "-pk")[: query.limit + 1])
        older = cursor_of(page[query.limit - 1]) if len(page) > query.limit else None
        calls = tuple(row.as_call(content=False) for row in page[: query.limit])
        return Listing(
            calls=calls,
            answer=Answer(calls, time.time()),
            total=self.count(query),
            older=older,
            gaps=self.gaps(query),
        )

    def peek(self, query: CallQuery) -> Listing | None:
        return self.list(query) if query.is_dated else self.window.peek(query)

    def call(self, call_id: str) -> Answer[Call]:
        """Phone.inc's answer; a call Phone.inc no longer has, or cannot give just now, is shown
        as the history last stored it, saying so (the history keeps what disappears upstream)."""
        try:
            return self.window.call(call_id)
        except PhoneIncError as error:
            if error.is_final and not isinstance(error, NotFound):
                raise  # a refused key needs an administrator, not an old copy
            row = StoredCall.objects.filter(company=self.company, call_id=call_id).first()
            if row is None:
                raise
            why = GoneUpstream() if isinstance(error, NotFound) else error
        return Answer(row.as_call(), row.fetched_at.timestamp(), stale_because=why)

    def fresh_call(self, call_id: str) -> Call:
        return self.window.fresh_call(call_id)

    # --- What the database counts -----------------------------------------------------------

    def rows(self, query: CallQuery) -> QuerySet[StoredCall]:
        """The company's stored calls the query asks for (its cursor aside)."""
        rows = StoredCall.objects.filter(company=self.company)
        if query.since is not None:
            rows = rows.filter(started_at__gte=query.since)
        if query.until is not None:
            rows = rows.filter(started_at__lt=query.until)
        if query.phone_number:
            rows = rows.filter(remote=query.phone_number)
        if query.direction:
            rows = rows.filter(direction=query.direction)
        if query.state:
            rows = rows.filter(state=query.state)
        if query.lines:
            rows = rows.filter(line_number__in=sorted(query.lines))
        if query.employee:
            rows = rows.filter(people__contains=f" {query.employee} ")
        return rows

    def count(self, query: CallQuery) -> int:
        return self.rows(query).count()

    def summary(self, query: CallQuery) -> CallStats:
        """The summary strip over every call the query asks for, counted by the database."""
        talked = Q(answered_at__isnull=False, duration__gt=0)
        found = self.rows(query).aggregate(
            total=Count("pk"),
            inbound=Count("pk", filter=Q(direction="inbound")),
            outbound=Count("pk", filter=Q(direction="outbound")),
            missed=Count("pk", filter=MISSED),
            answered=Count("pk", filter=Q(answered_at__isnull=False)),
            live=Count("pk", filter=~Q(state="ended")),
            average_talk=Avg("duration", filter=talked),
        )
        average = found.pop("average_talk")
        return CallStats(**found, average_talk=round(average) if average is not None else None)

    def gaps(self, query: CallQuery) -> tuple[Gap, ...]:
        """The recorded gaps the query's period overlaps, oldest first."""
        gaps = Gap.objects.filter(company=self.company)
        if query.since is not None:
            gaps = gaps.filter(end__gte=query.since)
        if query.until is not None:
            gaps = gaps.filter(start__lt=query.until)
        return tuple(gaps.order_by("start"))

    def calls(self, query: CallQuery, *, summary: bool = False) -> Iterator[Call]:
        """Every call the query asks for, newest first, with its summary if asked (never its
        transcript), read a few thousand at a time: an export of a million rows takes no more
        memory than one of a thousand."""
        rows = self.rows(query).order_by("-started_at", "-pk")
        rows = rows.defer(*(CONTENT[1:] if summary else CONTENT))
        for row in rows.iterator(chunk_size=2000):
            yield row.as_call(content=summary, transcript=False)


def cursor_of(row: StoredCall) -> str:
    """An opaque cursor naming the last call of a page: the next page starts after it."""
    text = f"{row.started_at.isoformat() if row.started_at else ''}|{row.pk}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def read_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        started, _, pk = text.partition("|")
        moment = datetime.fromisoformat(started)
        if moment.tzinfo is None:
            raise ValueError("naive")
        return moment, int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadCursor() from None


def forget() -> None:
    """Drop every kept page (for tests, whose rolled-back databases hand ids out again)."""
    _pages.clear()
