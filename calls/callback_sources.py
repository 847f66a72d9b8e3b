"""Where a callbacks board's calls and notes come from, for the page and for the nav's count.

Two lists make the board: the company's 50 most recent inbound ended calls (its missed calls)
and its 50 most recent calls (the later calls that may have returned them). A missed call older
than the second list is matched against its number's own list (`phone_number=`, one request
per distinct number), asked for only when the caller wants it (`check`): the page shows first
and asks for those in a request of its own. Every answer goes through calls.services, so it is
cached per company and parameters, single-flighted, and shares the request's Phone.inc budget;
a member's scope is applied after, so the cache never holds one member's view.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from calls import callbacks, memo, services
from calls.callbacks import Board, Window
from calls.models import Company
from calls.notes import handled_among, handled_in, note_versions, notes_on, versions_in
from calls.numbers import as_e164
from calls.phoneinc import MAX_LIMIT, Call, PhoneIncError
from calls.scope import Scope
from calls.services import Answer, CallFilters

log = logging.getLogger("phonedash.callbacks")

INBOUND = CallFilters(direction="inbound", state="ended", limit=MAX_LIMIT)
RECENT = CallFilters(limit=MAX_LIMIT)


def by_number(number: str) -> CallFilters:
    return CallFilters(phone_number=number, limit=MAX_LIMIT)


@dataclass(frozen=True, slots=True)
class Loaded:
    """A board and what the page says about it."""

    board: Board
    inbound: Answer[tuple[Call, ...]]
    recent: Answer[tuple[Call, ...]] | None
    recent_error: PhoneIncError | None  # the recent list failed: no row could be checked
    lines: tuple[tuple[str, str], ...]  # (E.164, name) of the lines seen, for the filter
    since: datetime | None  # the oldest inbound call looked at
    complete: bool  # the inbound list holds every inbound call Phone.inc lists

    @property
    def stale(self) -> Answer[tuple[Call, ...]] | None:
        """The older of the two lists when either is an old answer shown during a failure."""
        answers = [a for a in (self.inbound, self.recent) if a is not None and a.is_stale]
        return min(answers, key=lambda answer: answer.fetched_at) if answers else None


def load(company: Company, scope: Scope, *, line: str | None = None, check: bool = False) -> Loaded:
    """The board for this member; raises PhoneIncError when the missed calls cannot be read.

    With `check`, numbers whose missed calls are older than the recent list are looked up,
    each failure making its rows "could not check" rather than failing the board.

    Building a board matches every missed call against every later call: it is memoised by
    what it is built from, each answer by when it was fetched (one version of it, whichever
    worker reads it) and the notes by which exist (they are never edited; an author removed
    leaves a note without one), so a warm board is the same Board object view after view.
    """
    inbound = services.list_calls(company, INBOUND)
    recent_error = None
    try:
        recent = services.list_calls(company, RECENT)
    except PhoneIncError as error:
        recent, recent_error = None, error
    seen = scope.visible(inbound.value)
    missed = _missed(seen, company.region, line)
    ids = [call.id for call in missed]
    fetched = (inbound.fetched_at, recent.fetched_at if recent is not None else None)
    key = (company.pk, company.region, scope, line, *fetched, note_versions(company, ids))
    notes = None
    kept = _boards.get(key)
    if kept is None:
        notes = notes_on(company, ids)
        window = _window(recent.value, scope) if recent is not None else None
        board = callbacks.build(missed, recent=window, notes=notes, region=company.region)
        # From the member's own calls: the oldest start on another line is not theirs to see.
        starts = [call.started_at for call in seen if call.started_at is not None]
        kept = (board, _lines(seen, company.region, scope), min(starts) if starts else None)
        # Kept under the notes it was built from (a note may have come since the key).
        _boards.put((*key[:-1], versions_in(notes)), kept)
    board, lines, since = kept
    if check and board.to_check:
        answers = {number: _lookup(company, number) for number in board.to_check}
        looked_up = tuple(
            (number, answer.fetched_at if answer is not None else None)
            for number, answer in answers.items()
        )
        checked = _boards.get((*key, looked_up))
        if checked is None:
            notes = notes if notes is not None else notes_on(company, ids)
            window = _window(recent.value, scope) if recent is not None else None
            lookups = {
                number: _window_for(number, answer.value, scope, company.region)
                if answer is not None
                else None
                for number, answer in answers.items()
            }
            checked = callbacks.build(
                missed, recent=window, lookups=lookups, notes=notes, region=company.region
            )
            checked = _boards.put((*key[:-1], versions_in(notes), looked_up), (checked,))[0]
        else:
            checked = checked[0]
        board = checked
    return Loaded(
        board=board,
        inbound=inbound,
        recent=recent,
        recent_error=recent_error,
        lines=lines,
        since=since,
        complete=len(inbound.value) < MAX_LIMIT,
    )


# Boards hold their rows' calls and notes: bounded by what those take in memory.
BOARDS_KEPT = 256
BOARDS_BYTES = 4 * 1024 * 1024
_boards: memo.Memo[tuple, tuple] = memo.Memo(
    "callback boards", entries=BOARDS_KEPT, max_bytes=BOARDS_BYTES, sizeof=memo.deep
)


def peek_open_count(company: Company, scope: Scope) -> int | None:
    """How many rows of the member's whole board need attention, from cached answers only;
    None when the two lists are not both in the cache. A number whose lookup is not cached
    counts as open, as the board shows it until checked. Never asks Phone.inc.

    The count is on every page, and it changes only when an answer or a note does: it is
    memoised by when each answer was fetched (an answer's one version, whichever worker
    reads it), the member's scope, the region and which of the missed calls have a note
    marking them handled, as read now: all of the notes a count depends on (the other notes,
    and which of several notes handles a call, only change how a row reads)."""
    inbound = services.peek_list_calls(company, INBOUND)
    recent = services.peek_list_calls(company, RECENT)
    if inbound is None or recent is None:
        return None
    missed = _missed(scope.visible(inbound.value), company.region, None)
    if not missed:
        return 0
    ids = [call.id for call in missed]
    key = (
        company.pk,
        company.region,
        scope,
        inbound.fetched_at,
        recent.fetched_at,
        handled_among(company, ids),
    )
    kept, notes = _counts.get(key), None
    if kept is None:
        notes = notes_on(company, ids)
        window = _window(recent.value, scope)
        board = callbacks.build(missed, recent=window, notes=notes, region=company.region)
        # Kept under the notes it was counted from (a note may have come since the key).
        key = (*key[:-1], handled_in(notes))
        kept = _counts.put(key, (board.to_check, board.open_count))
    to_check, count = kept
    looked_up = {}
    for number in to_check:
        answer = services.peek_list_calls(company, by_number(number))
        if answer is not None:
            looked_up[number] = answer
    if not looked_up:
        return count
    fetched = tuple((number, answer.fetched_at) for number, answer in looked_up.items())
    with_lookups = (*key, fetched)
    kept = _counts.get(with_lookups)
    if kept is None:
        notes = notes if notes is not None else notes_on(company, ids)
        window = _window(recent.value, scope)
        lookups = {
            number: _window_for(number, answer.value, scope, company.region)
            for number, answer in looked_up.items()
        }
        board = callbacks.build(
            missed, recent=window, lookups=lookups, notes=notes, region=company.region
        )
        kept = _counts.put((*key[:-1], handled_in(notes), fetched), ((), board.open_count))
    return kept[1]


COUNTS_KEPT = 1024
COUNTS_BYTES = 1024 * 1024
_counts: memo.Memo[tuple, tuple[tuple[str, ...], int]] = memo.Memo(
    "open callback counts", entries=COUNTS_KEPT, max_bytes=COUNTS_BYTES, sizeof=memo.small
)


def _missed(calls: tuple[Call, ...], region: str, line: str | None) -> list[Call]:
    return [
        call
        for call in calls
        if call.is_missed and (line is None or as_e164(call.main_number, region) == line)
    ]


def _window(calls: tuple[Call, ...], scope: Scope) -> Window:
    return Window.of(calls, MAX_LIMIT, shown=scope.visible(calls))


def _window_for(number: str, calls: tuple[Call, ...], scope: Scope, region: str) -> Window:
    """A number's own list, as a window: Phone.inc matches numbers best-effort, so only calls
    whose remote number reads as the same one count."""
    same = [call for call in scope.visible(calls) if callbacks.number_key(call, region) == number]
    return Window.of(calls, MAX_LIMIT, shown=same)


def _lookup(company: Company, number: str) -> Answer[tuple[Call, ...]] | None:
    try:
        answer = services.list_calls(company, by_number(number))
    except PhoneIncError as error:
        log.info("callbacks: could not look up a number's later calls: %s", error.title)
        return None
    return answer


def _lines(calls: tuple[Call, ...], region: str, scope: Scope) -> tuple[tuple[str, str], ...]:
    """The lines the member can filter by: those of the calls seen, and their own."""
    names: dict[str, str] = {}
    for call in calls:
        number = as_e164(call.main_number, region)
        if number and number not in names:
            names[number] = call.main_number_name or call.main_number_formatted or number
    for number in scope.lines:
        names.setdefault(number, number)
    return tuple(sorted(names.items(), key=lambda item: (item[1].casefold(), item[0])))
