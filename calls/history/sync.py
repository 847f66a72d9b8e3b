"""One sync pass for one company: ask Phone.inc what is new, and store it all or nothing.

Phone.inc lists at most the 50 newest calls per question and has neither dates nor paging, so
a pass asks for the newest 50. An answer *reaches back* when it holds fewer than 50 calls or
its oldest start is at or before the newest start stored before this pass: then nothing was
missed. If it does not, the pass widens with the 50 newest ended inbound and outbound calls;
where one of those does not reach back either, it records a *gap* from the newest start stored
before the pass to that answer's oldest start (the later one, when both fall short): ended
calls in between may be missing. A company's first pass asks all three and records no gap.

Calls last minutes, and the ended lists hold only ended calls: when the newest 50 do not reach
back but the ended lists do, the calls started since the newest stored beyond the newest 50 may
still be in progress, unseen. Those starts stay *unknown* (SyncState.unknown_since): later
passes ask the ended lists again, held against them, until the ended lists fall short of them
(a gap from there, as above) or an hour has passed, after which no such call is still going.

Calls not final are fetched again by id on later passes: one not ended until it ends (at most
20 a pass, oldest first; after 12 hours it is left as last seen), an ended one whose summary or
transcript the level keeps until it has them (for at most 30 minutes after its end), and the
calls the webhook was nudged about but could not fetch at once. A pass whose newest 50 are
exactly the last pass's, with nothing to fetch again, stores nothing: one request to Phone.inc
and no write but the one that hands the company back.

Everything a pass stores is one transaction, which ends by handing the company back while its
lease is still the worker's: a worker that lost its lease (it took too long, and another worker
took the company) stores nothing.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from calls import phoneinc
from calls.history import store
from calls.models import Company, Gap, HookNudge, SyncState
from calls.phoneinc import MAX_LIMIT, Call, PhoneIncError

log = logging.getLogger("phonedash.sync")

REFETCH_PER_PASS = 20
LIVE_GIVEN_UP_AFTER = timedelta(hours=12)
CONTENT_AWAITED_FOR = timedelta(minutes=30)
UNKNOWN_FOR = timedelta(hours=1)  # longer than any call still in progress beyond a pass's reach
# A start further ahead than this is not believed as the newest stored (a clock gone wrong
# would otherwise make every later answer look as if it reached back).
FUTURE_SLACK = timedelta(days=1)


class LeaseLost(Exception):
    """Another worker holds the company now: this pass stores nothing."""


class Interrupted(Exception):
    """The worker is stopping before the pass could tell what is new: it stores nothing."""


@dataclass
class Outcome:
    """What a pass did, for its log line (never a number, a name or a key)."""

    company_id: int
    seen: int = 0
    new: int = 0
    changed: int = 0
    requests: int = 0
    gap: bool = False
    quiet: bool = False
    started: float = field(default_factory=time.monotonic)

    def line(self) -> str:
        ms = round((time.monotonic() - self.started) * 1000)
        return (
            f"company {self.company_id} pass: seen {self.seen} new {self.new} changed "
            f"{self.changed} requests {self.requests} gap {'yes' if self.gap else 'no'} "
            f"in {ms} ms"
        )


def digest(calls: list[Call]) -> str:
    """Whether two answers are the same, calls and every field of them but the recording link
    (minted anew for every answer)."""
    kept = [call.without_recording() for call in calls]
    return hashlib.sha256(repr(kept).encode()).hexdigest()


def reaches_back(calls: list[Call], newest_stored: datetime | None) -> bool:
    if len(calls) < MAX_LIMIT:
        return True
    starts = [call.started_at for call in calls if call.started_at is not None]
    return newest_stored is not None and bool(starts) and min(starts) <= newest_stored


def oldest_start(calls: list[Call]) -> datetime | None:
    return min((call.started_at for call in calls if call.started_at is not None), default=None)


def run(
    state: SyncState,
    client: phoneinc.PhoneIncClient,
    holder: str,
    *,
    hand_back: dict[str, object],
    stopping: Callable[[], bool] = lambda: False,
) -> Outcome:
    """One pass over `state`'s company, claimed by `holder`. What it stores is one transaction,
    which ends by handing the company back (`hand_back`: when it is due next...) while the
    lease is still `holder`'s. A quiet pass stores nothing and hands nothing back (its caller
    does). Raises PhoneIncError when Phone.inc cannot say what is new (nothing is stored
    then), LeaseLost when another worker took the company, Interrupted when `stopping()`
    before it could tell."""
    company = state.company
    outcome = Outcome(company.pk)
    newest = client.list_calls(limit=MAX_LIMIT)
    outcome.requests += 1
    seen = list(newest)
    answer_digest = digest(seen)
    if answer_digest == state.answer_digest and not state.pending and not state.nudges:
        outcome.quiet = True
        return outcome
    now = timezone.now()
    newest_stored = state.newest_start
    unknown = state.unknown_since
    if unknown is not None and now - unknown > UNKNOWN_FOR:
        unknown = None  # no call started then is still going
    held_to = unknown or newest_stored  # what the ended lists must reach back to
    all_seen = newest_stored is not None and reaches_back(newest, newest_stored)
    gap_end = None
    if not all_seen or unknown is not None:
        short_of = []
        for direction in ("inbound", "outbound"):
            if stopping():
                raise Interrupted()
            wider = client.list_calls(direction=direction, state="ended", limit=MAX_LIMIT)
            outcome.requests += 1
            seen.extend(wider)
            if held_to is not None and not reaches_back(wider, held_to):
                short_of.append(oldest_start(wider))
        if short_of:
            gap_end = max((moment for moment in short_of if moment), default=None)
    if gap_end is not None:
        unknown = None if all_seen else gap_end
    elif not all_seen and newest_stored is not None:
        unknown = unknown or newest_stored
    pending, nudged = list(state.pending), _nudged(state)
    refetched, gone = (
        ([], set()) if stopping() else _refetch(client, company, pending, nudged, outcome, now)
    )
    seen = [*refetched, *seen]  # fetched last: where a call is seen twice, these win
    outcome.seen = len(store.storable(seen))
    with transaction.atomic():
        stored = store.store(company, seen, now)
        outcome.new, outcome.changed = stored.new, stored.changed
        if gap_end is not None and held_to is not None and gap_end > held_to:
            _record_gap(company, held_to, gap_end)
            outcome.gap = True
        handled = {}
        answered = {call.id for call in refetched} | gone
        done = [call_id for call_id in nudged if call_id in answered]
        if done:
            rows = HookNudge.objects.filter(company=company, call_id__in=done, fetched=False)
            # Nudges not fetched yet, and those the webhook counts meanwhile, stay counted.
            handled["nudges"] = Greatest(F("nudges") - rows.update(fetched=True), Value(0))
        elif state.nudges and not nudged:  # counted, but their rows are gone (pruned)
            handled["nudges"] = Greatest(F("nudges") - state.nudges, Value(0))
        state.pending = _still_pending(company, seen, pending, gone, now)
        state.newest_start = _newest(state.newest_start, seen, now)
        state.unknown_since = unknown
        state.answer_digest = answer_digest
        # Last, and only while the lease is still this worker's: else all of it is undone.
        handed = SyncState.objects.filter(
            pk=state.pk, holder=holder, lease_until__gt=timezone.now()
        ).update(
            pending=state.pending,
            newest_start=state.newest_start,
            unknown_since=state.unknown_since,
            answer_digest=state.answer_digest,
            **handled,
            **hand_back,
        )
        if not handed:
            raise LeaseLost(f"company {state.pk}: lease lost to another worker")
    return outcome


def _record_gap(company: Company, start: datetime, end: datetime) -> None:
    """A gap from `start` to `end`, one with the gap it continues (a burst several passes long
    is one gap, not one a pass)."""
    extended = Gap.objects.filter(company=company, start__lte=start, end__gte=start).update(
        end=Greatest(F("end"), Value(end))
    )
    if not extended:
        Gap.objects.create(company=company, start=start, end=end)


def _nudged(state: SyncState) -> list[str]:
    if not state.nudges:
        return []
    rows = HookNudge.objects.filter(company_id=state.pk, fetched=False).order_by("at")
    return list(dict.fromkeys(rows.values_list("call_id", flat=True)[: REFETCH_PER_PASS * 5]))


def _refetch(client, company: Company, pending: list[dict], nudged: list[str], outcome, now):
    """Calls fetched again by id: nudged ones first, then the pending (not ended first, oldest
    first), at most REFETCH_PER_PASS; those Phone.inc no longer has are `gone` (kept as last
    seen). A failure leaves the rest for the next pass."""
    wanted = [*nudged]
    order = sorted(pending, key=lambda item: (item.get("kind") != "live", item.get("since", "")))
    wanted += [item["id"] for item in order if item["id"] not in wanted]
    found, gone = [], set()
    for call_id in wanted[:REFETCH_PER_PASS]:
        if not phoneinc.is_valid_call_id(call_id):
            gone.add(call_id)
            continue
        try:
            found.append(client.get_call(call_id))
        except phoneinc.NotFound:
            gone.add(call_id)
        except PhoneIncError as error:
            log.info("company %s: a call could not be fetched again: %s", company.pk, error.title)
            break
        finally:
            outcome.requests += 1
    return found, gone


def _still_pending(
    company: Company, seen: list[Call], pending: list[dict], gone: set[str], now: datetime
) -> list[dict]:
    """What to fetch again on later passes, from what this pass saw and what was pending."""
    latest = store.storable(seen)
    result: dict[str, dict] = {}
    for item in pending:
        if item["id"] not in latest and item["id"] not in gone:
            since = datetime.fromisoformat(item["since"])
            limit = LIVE_GIVEN_UP_AFTER if item["kind"] == "live" else CONTENT_AWAITED_FOR
            if now - since < limit:
                result[item["id"]] = item
    for call in latest.values():
        item = _awaited(company, call, now)
        if item is not None:
            result[call.id] = item
    return list(result.values())[: REFETCH_PER_PASS * 10]


def _awaited(company: Company, call: Call, now: datetime) -> dict | None:
    """Why this call is to be fetched again, if it is: not ended, or its content to come."""
    if call.is_live:
        since = call.started_at or now
        if now - since < LIVE_GIVEN_UP_AFTER:
            return {"id": call.id, "kind": "live", "since": since.isoformat()}
        return None
    wants_summary = company.keeps(Company.SUMMARIES) and not call.summary
    wants_transcript = company.keeps(Company.TRANSCRIPTS) and not (
        call.segments or call.transcription
    )
    if not (wants_summary or wants_transcript):
        return None
    start = call.answered_at or call.started_at
    if start is None:
        return None
    ended = start + timedelta(seconds=call.duration or 0)
    if now - ended < CONTENT_AWAITED_FOR:
        return {"id": call.id, "kind": "content", "since": ended.isoformat()}
    return None


def _newest(before: datetime | None, seen: list[Call], now: datetime) -> datetime | None:
    starts = [c.started_at for c in seen if c.started_at and c.started_at <= now + FUTURE_SLACK]
    if before is not None:
        starts.append(before)
    return max(starts, default=None)
