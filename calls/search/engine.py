"""Finding a company's stored calls by what was said in them, on either database engine.

The words come folded (calls.words). PostgreSQL matches them with `to_tsquery('simple', …)`
in `calls_search`, a narrow table of each searchable call's company, start and tsvector (GIN
index); SQLite with FTS5's MATCH on its `calls_search` table (migration 0007 makes both, kept
in step with the stored calls by triggers). What else narrows a search — the company, its
period, the member's lines, direction, employee — is the filter every page of the history uses
(calls.sources.history), so no search reads another company's rows.

Most relevant first (PostgreSQL's ts_rank, SQLite's bm25: the more often the words are said,
the better, in a shorter call more so; a word in the summary weighs more than one in the
transcript), then newest. Ranking reads each matching call's words, so only the newest RANKED
matches are ranked; past them (a common word in a long history) the rest follow newest first.
Pages come by offset: relevance is no key to page by (bm25 moves as calls are added), and
nobody reads page 500 of a search.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from calls import memo
from calls.models import Company, StoredCall
from calls.phoneinc import Call
from calls.search.snippets import Snippet, snippets
from calls.sources.history import History
from calls.sources.query import CallQuery
from calls.words.query import WordQuery

PAGE = 20
# The newest this many matching calls are ranked by relevance; past them (a common word in a
# large history), the rest follow newest first. Ranking reads each call's words, so this
# bounds what a search costs however many calls say the word.
RANKED = 1000
# A search for words next to each other, or leaving words out, is checked call by call (an
# index knows which words a call says, not where): its matching calls are counted up to this
# many, and past it a page says "more than 10,000". Other searches are counted exactly.
COUNTED = 10_000
MAX_OFFSET = 10_000  # 500 pages: far enough for anyone, and a bound on an offset's cost
# Columns a result never reads: the folded words and the per-speaker word counts.
UNREAD = ("search_summary", "search_transcript", "words")


@dataclass(frozen=True, slots=True)
class Result:
    """A matching call (without its summary and transcript) and the passages that match."""

    call: Call
    snippets: tuple[Snippet, ...]


@dataclass(frozen=True, slots=True)
class Found:
    """A page of results, how many calls match in all, and the offset of the next page (None
    on the last)."""

    results: tuple[Result, ...]
    total: int  # COUNTED + 1: more than COUNTED
    next_offset: int | None

    @property
    def past_count(self) -> bool:
        """Whether more calls match than are counted (`total` is then COUNTED + 1)."""
        return self.total > COUNTED


# A page of results kept per process under the company's history version, as a page of the
# list is (calls.sources.history): typing back to an earlier search, or paging back, costs
# no query.
_found: memo.Memo[tuple, Found] = memo.Memo(
    "search pages", entries=64, max_bytes=4 * 1024 * 1024, sizeof=memo.deep
)


def find(company: Company, query: CallQuery, words: WordQuery, offset: int = 0) -> Found:
    """The page of calls at `offset` that say what `words` asks, among those `query` asks."""
    key = (company.pk, company.history_version, query, words, offset)
    found = _found.get(key)
    if found is None:
        found = _found.put(key, _find(company, query, words, offset))
    return found


def is_kept(company: Company, query: CallQuery, words: WordQuery, offset: int = 0) -> bool:
    """Whether this page is kept already (a search that costs the database nothing)."""
    return _found.get((company.pk, company.history_version, query, words, offset)) is not None


def _find(company: Company, query: CallQuery, words: WordQuery, offset: int) -> Found:
    narrow = _narrow(company, query, words)
    rows = History(company).rows(query).filter(pk__in=said(company, words))
    if offset < RANKED:
        newest = narrow.newest(RANKED + 1) if narrow else _newest(rows, 0, RANKED + 1)
        total = len(newest) if len(newest) <= RANKED else _count(narrow, rows, words)
        ranked = rank(words, newest[:RANKED])
        ids = ranked[offset : offset + PAGE]
    else:  # past the ranked calls, the rest newest first
        total = _count(narrow, rows, words)
        ids = [pk for pk, _ in _newest(rows, offset, PAGE)]
    by_pk = StoredCall.objects.defer(*UNREAD).in_bulk(ids)
    terms = words.terms
    results = tuple(
        Result(row.as_call(content=False), snippets(row, terms))
        for row in (by_pk[pk] for pk in ids if pk in by_pk)
    )
    more = offset + PAGE < total and offset + PAGE <= MAX_OFFSET
    return Found(results, total, offset + PAGE if more else None)


def _count(narrow: Narrow | None, rows: QuerySet[StoredCall], words: WordQuery) -> int:
    """How many calls match (up to COUNTED + 1 when each must be checked)."""
    limit = COUNTED + 1 if words.is_checked_by_call else None
    if narrow:
        return narrow.count(limit)
    return rows[:limit].count() if limit else rows.count()


def said(company: Company, words: WordQuery) -> RawSQL:
    """The ids of the company's stored calls whose words match, as a subquery."""
    if connection.vendor == "postgresql":
        return RawSQL(
            "SELECT id FROM calls_search WHERE company_id = %s"
            " AND vector @@ to_tsquery('simple'::regconfig, %s)",
            [company.pk, words.tsquery()],
        )
    return RawSQL("SELECT rowid FROM calls_search WHERE calls_search MATCH %s", [words.fts5()])


def _newest(rows: QuerySet[StoredCall], offset: int, limit: int) -> list[tuple[int, object]]:
    page = rows.order_by("-started_at", "-pk").values_list("pk", "started_at")
    return list(page[offset : offset + limit])


def rank(words: WordQuery, calls: list[tuple[int, object]]) -> list[int]:
    """The ids of `calls` ((id, start), newest first) most relevant first, then newest."""
    if not calls:
        return []
    order = {pk: index for index, (pk, _) in enumerate(calls)}  # newest first
    marks = ", ".join(["%s"] * len(calls))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT id, ts_rank(vector, to_tsquery('simple'::regconfig, %s), 1)"
                f" FROM calls_search WHERE id IN ({marks})",
                [words.tsquery(), *order],
            )
        else:
            cursor.execute(
                "SELECT rowid, -bm25(calls_search, 2.0, 1.0) FROM calls_search"
                f" WHERE calls_search MATCH %s AND rowid IN ({marks})",
                [words.fts5(), *order],
            )
        scores = dict(cursor.fetchall())
    return sorted(order, key=lambda pk: (-scores.get(pk, 0.0), order[pk]))


def _narrow(company: Company, query: CallQuery, words: WordQuery) -> Narrow | None:
    """On PostgreSQL, for a search narrowed by nothing but its period, the quick way."""
    if connection.vendor != "postgresql":
        return None
    if query.lines or query.direction or query.employee or query.phone_number or query.state:
        return None
    return Narrow(company, query, words)


class Narrow:
    """A search read from PostgreSQL's narrow `calls_search` table alone (each searchable
    call's company, start and words), without the stored calls."""

    def __init__(self, company: Company, query: CallQuery, words: WordQuery) -> None:
        self.where = "company_id = %s AND vector @@ to_tsquery('simple'::regconfig, %s)"
        self.params: list[object] = [company.pk, words.tsquery()]
        if query.since is not None:
            self.where += " AND started_at >= %s"
            self.params.append(query.since)
        if query.until is not None:
            self.where += " AND started_at < %s"
            self.params.append(query.until)

    def newest(self, limit: int) -> list[tuple[int, object]]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, started_at FROM calls_search WHERE {self.where}"
                " ORDER BY started_at DESC, id DESC LIMIT %s",
                [*self.params, limit],
            )
            return cursor.fetchall()

    def count(self, limit: int | None) -> int:
        """How many calls match (up to `limit`), read through an index: the planner, which
        cannot tell what reading each call's words costs, would rather read them all."""
        found = f"SELECT 1 FROM calls_search WHERE {self.where}"
        params = self.params
        if limit is not None:
            found, params = found + " LIMIT %s", [*params, limit]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"SELECT count(*) FROM ({found}) AS found", params)
            return cursor.fetchone()[0]


def forget() -> None:
    """Drop every kept page (for tests, whose rolled-back databases hand ids out again)."""
    _found.clear()
