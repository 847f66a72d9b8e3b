"""Where a callbacks board's calls and notes come from, for the page and for the nav's count.

Two lists make the board: the company's 50 most recent inbound ended calls (its missed calls)
and its 50 most recent calls (the later calls that may have returned them). A missed call older
than the second list is matched against its number's own list (`phone_number=`, one request
per distinct number), asked for only when the caller wants it (`check`): the page shows first
and asks for those in a request of its own. Every list comes from the company's call source
(calls.sources) as a CallQuery on the member's lines, so it is cached per company and question,
single-flighted and shares the request's Phone.inc budget.

Building a board matches every missed call against every later call, so a board is kept per
process under explicit versions of all it is built from: when each list was fetched (one
version of it, whichever worker reads it), the member's lines, the line asked for and the
company's notes version (calls.callbacks.notes). A warm board is read, not built.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime

from calls import memo
from calls.accounts.scope import Scope, lines_seen
from calls.callbacks import board as callbacks
from calls.callbacks.board import Board, Window
from calls.callbacks.notes import notes_on
from calls.filters.periods import Period
from calls.models import Company
from calls.numbers import as_e164
from calls.phoneinc import MAX_LIMIT, Call, PhoneIncError
from calls.sources import CallQuery, Listing, source_for

log = logging.getLogger("phonedash.callbacks")

INBOUND = CallQuery(direction="inbound", state="ended", limit=MAX_LIMIT)
RECENT = CallQuery(limit=MAX_LIMIT)


def by_number(number: str) -> CallQuery:
    return CallQuery(phone_number=number, limit=MAX_LIMIT)


@dataclass(frozen=True, slots=True)
class Loaded:
    """A board and what the page says about it."""

    board: Board
    inbound: Listing
    recent: Listing | None
    recent_error: PhoneIncError | None  # the recent list failed: no row could be checked
    lines: tuple[tuple[str, str], ...]  # (E.164, name) of the lines seen, for the filter
    since: datetime | None  # the oldest inbound call looked at
    complete: bool  # the inbound list holds every inbound call Phone.inc lists
    version: tuple  # everything the board was built from, as the versions it was read at
    period: Period | None = None  # the board of a period of the history (calls.callbacks.periods)
    figures: dict | None = None  # its figures, counted before its tables were trimmed

    @property
    def stale(self):
        """The older of the two lists' answers when either is an old one shown during a
        failure; None when both are fresh."""
        found = [x.answer for x in (self.inbound, self.recent) if x is not None and x.is_stale]
        return min(found, key=lambda answer: answer.fetched_at) if found else None


@dataclass(frozen=True, slots=True)
class _Built:
    board: Board
    lines: tuple[tuple[str, str], ...]
    since: datetime | None


BOARDS_KEPT = 256
BOARDS_BYTES = 4 * 1024 * 1024
# Boards hold their rows' calls and notes: bounded by what those take in memory.
_boards: memo.Memo[tuple, _Built] = memo.Memo(
    "callback boards", entries=BOARDS_KEPT, max_bytes=BOARDS_BYTES, sizeof=memo.deep
)


def load(company: Company, scope: Scope, *, line: str | None = None, check: bool = False) -> Loaded:
    """The board for this member; raises PhoneIncError when the missed calls cannot be read.

    With `check`, numbers whose missed calls are older than the recent list are looked up,
    each failure making its rows "could not check" rather than failing the board."""
    source = source_for(company)
    inbound = source.list(_on(INBOUND, scope))
    recent_error = None
    try:
        recent = source.list(_on(RECENT, scope))
    except PhoneIncError as error:
        recent, recent_error = None, error
    missed = _missed(inbound.calls, company.region, line)
    fetched = (inbound.answer.fetched_at, recent.answer.fetched_at if recent else None)
    key = (company.pk, company.region, scope, line, *fetched, company.notes_version)
    built = _boards.get(key)
    if built is None:
        notes = notes_on(company, [call.id for call in missed])
        board = callbacks.build(missed, recent=_window(recent), notes=notes, region=company.region)
        # From the member's own calls: the oldest start on another line is not theirs to see.
        starts = [call.started_at for call in inbound.calls if call.started_at is not None]
        lines = filter_lines(inbound.calls, company.region, scope)
        built = _boards.put(key, _Built(board, lines, min(starts, default=None)))
    board, version = built.board, key
    if check and board.to_check:
        answers = {number: _lookup(company, scope, number) for number in board.to_check}
        looked_up = tuple(
            (number, found.answer.fetched_at if found else None)
            for number, found in answers.items()
        )
        version = (*key, looked_up)
        checked = _boards.get(version)
        if checked is None:
            notes = notes_on(company, [call.id for call in missed])
            lookups = {
                number: _window_for(number, found, company.region) if found else None
                for number, found in answers.items()
            }
            board = callbacks.build(
                missed, recent=_window(recent), lookups=lookups, notes=notes, region=company.region
            )
            checked = _boards.put(version, _Built(board, built.lines, built.since))
        board = checked.board
    return Loaded(
        board=board,
        inbound=inbound,
        recent=recent,
        recent_error=recent_error,
        lines=built.lines,
        since=built.since,
        complete=len(inbound.window) < MAX_LIMIT,
        version=version,
    )


COUNTS_KEPT = 1024
COUNTS_BYTES = 1024 * 1024
_counts: memo.Memo[tuple, tuple[tuple[str, ...], int]] = memo.Memo(
    "open callback counts", entries=COUNTS_KEPT, max_bytes=COUNTS_BYTES, sizeof=memo.deep
)


def peek_open_count(company: Company, scope: Scope) -> int | None:
    """How many rows of the member's whole board need attention, from cached answers only;
    None when the two lists are not both in the cache. A number whose lookup is not cached
    counts as open, as the board shows it until checked. Never asks Phone.inc.

    The count is on every page: kept per process under the versions it is counted from (when
    each list was fetched, the member's lines, the company's notes version, each lookup's)."""
    source = source_for(company)
    inbound = source.peek(_on(INBOUND, scope))
    recent = source.peek(_on(RECENT, scope))
    if inbound is None or recent is None:
        return None
    missed = _missed(inbound.calls, company.region, None)
    if not missed:
        return 0
    fetched = (inbound.answer.fetched_at, recent.answer.fetched_at)
    key = (company.pk, company.region, scope, *fetched, company.notes_version)
    kept = _counts.get(key)
    if kept is None:
        notes = notes_on(company, [call.id for call in missed])
        board = callbacks.build(missed, recent=_window(recent), notes=notes, region=company.region)
        kept = _counts.put(key, (board.to_check, board.open_count))
    to_check, count = kept
    looked_up = {}
    for number in to_check:
        found = source.peek(_on(by_number(number), scope))
        if found is not None:
            looked_up[number] = found
    if not looked_up:
        return count
    with_lookups = (*key, tuple((n, found.answer.fetched_at) for n, found in looked_up.items()))
    kept = _counts.get(with_lookups)
    if kept is None:
        notes = notes_on(company, [call.id for call in missed])
        lookups = {n: _window_for(n, found, company.region) for n, found in looked_up.items()}
        board = callbacks.build(
            missed, recent=_window(recent), lookups=lookups, notes=notes, region=company.region
        )
        kept = _counts.put(with_lookups, ((), board.open_count))
    return kept[1]


def _on(query: CallQuery, scope: Scope) -> CallQuery:
    """The query on the member's lines."""
    return dataclasses.replace(query, lines=scope.lines)


def _missed(calls: tuple[Call, ...], region: str, line: str | None) -> list[Call]:
    return [
        call
        for call in calls
        if call.is_missed and (line is None or as_e164(call.main_number, region) == line)
    ]


def _window(recent: Listing | None) -> Window | None:
    """The recent list as a window: complete from its oldest on, the member's calls in it."""
    if recent is None:
        return None
    return Window.of(recent.window, MAX_LIMIT, shown=recent.calls)


def _window_for(number: str, found: Listing, region: str) -> Window:
    """A number's own list, as a window: Phone.inc matches numbers best-effort, so only calls
    whose remote number reads as the same one count."""
    same = [call for call in found.calls if callbacks.number_key(call, region) == number]
    return Window.of(found.window, MAX_LIMIT, shown=same)


def _lookup(company: Company, scope: Scope, number: str) -> Listing | None:
    try:
        return source_for(company).list(_on(by_number(number), scope))
    except PhoneIncError as error:
        log.info("callbacks: could not look up a number's later calls: %s", error.title)
        return None


def filter_lines(calls: tuple[Call, ...], region: str, scope: Scope) -> tuple[tuple[str, str], ...]:
    """The lines the member can filter by: those of the calls seen, and their own."""
    names = {
        number: line.name or line.formatted for number, line in lines_seen(calls, region).items()
    }
    for number in scope.lines:
        names.setdefault(number, number)
    return tuple(sorted(names.items(), key=lambda item: (item[1].casefold(), item[0])))
