"""The callbacks board over a period of the call history.

The period's missed calls come from the stored calls on the member's lines; their returns are
matched against every later answered call stored with the same numbers (one query, whatever
the number of callers) and Phone.inc's newest 50 calls, so a call returned a minute ago, before
the sync stored it, counts. Nothing is looked up per number and no row is left to check: the
board is complete when it shows.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from datetime import timedelta

from calls import memo
from calls.accounts.scope import Scope
from calls.answers.store import Answer
from calls.callbacks import board as callbacks
from calls.callbacks.board import Window
from calls.callbacks.notes import notes_on
from calls.callbacks.sources import Loaded, filter_lines
from calls.filters.periods import Period, read_at
from calls.models import Company, StoredCall
from calls.phoneinc import MAX_LIMIT, PhoneIncError
from calls.sources import CallQuery, History, Listing
from calls.sources.history import CONTENT, MISSED
from calls.sources.returns import number_key

log = logging.getLogger("phonedash.callbacks")


SHOWN_ROWS = 50  # rows of each table a board shows: a person reads the top of each
BOARDS_KEPT = 32
BOARDS_BYTES = 8 * 1024 * 1024
# A week of a busy company's board reads thousands of missed calls and their returns: kept per
# process under the versions it was built from (the company's history version, the days, the
# member's lines and line, the notes version, and those of Phone.inc's newest calls that could
# return one of its callers), its tables trimmed to what the page shows. The README's
# Benchmarks section has the figures.
_kept: memo.Memo[tuple, Loaded] = memo.Memo(
    "history boards", entries=BOARDS_KEPT, max_bytes=BOARDS_BYTES, sizeof=memo.deep
)
# The numbers of each board's missed callers, under the versions the board was read at (the
# company's history version, the days, the member's lines and line, the notes version).
_numbers: memo.Memo[tuple, frozenset] = memo.Memo(
    "history board numbers", entries=BOARDS_KEPT, max_bytes=BOARDS_BYTES, sizeof=memo.deep
)


def load(company: Company, scope: Scope, period: Period, *, line: str | None = None) -> Loaded:
    """The board of the period's missed calls on the member's lines (or the one line asked)."""
    history = History(company)
    recent, recent_error = _recent(history, scope)
    read = (company.pk, read_at(company, period), scope, line, company.notes_version)
    numbers = _numbers.get(read)
    if numbers is not None:
        kept = _kept.get((*read, _returning(recent, numbers, company.region)))
        if kept is not None:  # Phone.inc's newest calls hold no new return for this board
            return replace(kept, recent=recent, recent_error=recent_error)
    lines = frozenset({line}) if line else scope.lines
    query = CallQuery(since=period.since, until=period.until, lines=lines)
    missed_rows = history.rows(query).filter(MISSED).defer(*CONTENT).order_by("started_at")
    missed = tuple(row.as_call(content=False) for row in missed_rows)
    numbers = _numbers.put(read, frozenset(number_key(call, company.region) for call in missed))
    version = (*read, _returning(recent, numbers, company.region))
    later = _later(company, scope, missed_rows, period)
    seen = {call.id for call in later}
    calls = (*later, *(call for call in recent.calls if call.id not in seen)) if recent else later
    notes = notes_on(company, [call.id for call in missed])
    board = callbacks.build(missed, recent=Window(calls), notes=notes, region=company.region)
    loaded = Loaded(
        board=trimmed(board),
        inbound=Listing(calls=(), answer=Answer((), time.time())),
        recent=recent,
        recent_error=recent_error,
        lines=filter_lines(missed, company.region, scope),
        since=period.since,
        complete=True,
        version=version,
        period=period,
        figures=figures(board),
    )
    return loaded if recent_error else _kept.put(version, loaded)


def _returning(recent: Listing | None, numbers: frozenset, region: str) -> tuple | None:
    """Phone.inc's newest calls with the number of one of the board's missed callers: all the
    board reads of them (a board is built again only when these change, not every time the
    newest calls are fetched again)."""
    if recent is None:
        return None
    return tuple(call for call in recent.calls if number_key(call, region) in numbers)


def trimmed(board: callbacks.Board) -> callbacks.Board:
    """The board with at most SHOWN_ROWS rows in each table (its figures are counted before)."""
    return callbacks.Board((*board.open_rows[:SHOWN_ROWS], *board.handled_rows[:SHOWN_ROWS]))


def _later(company: Company, scope: Scope, missed_rows, period: Period) -> tuple:
    """Every answered call stored after the period's first missed call with one of their
    numbers, on the member's lines: one query, the numbers read by a subquery."""
    rows = StoredCall.objects.filter(
        company=company,
        remote__in=missed_rows.exclude(remote="").values("remote"),
        answered_at__isnull=False,
        started_at__gte=period.since,
    )
    if scope.lines:
        rows = rows.filter(line_number__in=sorted(scope.lines))
    return tuple(row.as_call(content=False) for row in rows.defer(*CONTENT))


def _recent(history: History, scope: Scope) -> tuple[Listing | None, PhoneIncError | None]:
    """Phone.inc's newest calls on the member's lines, for returns the sync has not stored yet;
    None when Phone.inc cannot say just now (the stored calls still make the board)."""
    try:
        return history.window.list(CallQuery(limit=MAX_LIMIT, lines=scope.lines)), None
    except PhoneIncError as error:
        log.info("callbacks: the newest calls could not be read: %s", error.title)
        return None, error


def shown(board: callbacks.Board, counted: dict) -> dict:
    """The rows of each table the page shows, and how many there are in all (`counted`: the
    board's figures, from before it was trimmed)."""
    settled, handled = board.settled_open_rows, board.handled_rows
    return {
        "open_rows": settled[:SHOWN_ROWS],
        "open_total": counted["open"] - len(board.checking_rows),
        "handled_rows": handled[:SHOWN_ROWS],
        "handled_total": counted["handled"],
    }


def figures(board: callbacks.Board) -> dict:
    """What the board comes to: open and handled callers, how many were returned within the
    hour, and the median time to return (from a caller's first missed call)."""
    waits = sorted(row.time_to_return for row in board.rows if row.time_to_return is not None)
    within = sum(wait <= timedelta(hours=1) for wait in waits)
    middle = None
    if waits:
        half = len(waits) // 2
        middle = waits[half] if len(waits) % 2 else (waits[half - 1] + waits[half]) / 2
    return {
        "open": len(board.open_rows),
        "handled": len(board.handled_rows),
        "returned": len(waits),
        "within_hour": within,
        "median_return": middle,
    }


def forget() -> None:
    """Drop every kept board (for tests, whose rolled-back databases hand ids out again)."""
    _kept.clear()
    _numbers.clear()
