"""Writing calls into a company's history: one row per call id, the latest fetch winning.

Both the sync worker (a pass's calls) and the webhook (one nudged call) store through `store`,
inside a transaction of their own: applying the same calls twice changes nothing, a call seen
twice in one answer is stored once, and a fetch older than what is stored never overwrites it.
What the company's level does not keep (a summary, a transcript) is never written.

What follows from a stored call is brought up to date in the same transaction: the missed
calls of its number that it returned (calls.sources.returns' rule, here in SQL), the tallies of
each day it touched (calls.sources.rollups), and the company's history version, under which
pages kept from the history are kept.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, OuterRef, Subquery

from calls.models import Company, StoredCall
from calls.phoneinc import Call
from calls.sources import rollups
from calls.sources.history import MISSED

log = logging.getLogger("phonedash.sync")

CALL_ID_MAX = StoredCall._meta.get_field("call_id").max_length


@dataclass(frozen=True, slots=True)
class Stored:
    """What a store changed: calls new to the history, and calls whose fields changed."""

    new: int = 0
    changed: int = 0


def storable(calls: Iterable[Call]) -> dict[str, Call]:
    """The calls by id, each once (the first seen), without ids the history cannot key."""
    found: dict[str, Call] = {}
    skipped = 0
    for call in calls:
        if not call.id or len(call.id) > CALL_ID_MAX:
            skipped += 1
            continue
        found.setdefault(call.id, call)
    if skipped:
        log.warning("skipped %d calls whose id the history cannot keep", skipped)
    return found


def store(company: Company, calls: Iterable[Call], fetched_at: datetime) -> Stored:
    """Store the calls as fetched at `fetched_at`: new ones added, changed ones updated, none
    overwritten by an older fetch. Runs inside the caller's transaction."""
    by_id = storable(calls)
    if not by_id:
        return Stored()
    rows = StoredCall.objects.filter(company=company, call_id__in=list(by_id))
    existing = {row.call_id: row for row in rows}
    added, changed, seen_again = [], [], []
    names: list[str] = []
    for call_id, call in by_id.items():
        fields = StoredCall.fields_of(call, company.region, company.history)
        names = list(fields)
        row = existing.get(call_id)
        if row is None:
            added.append(
                StoredCall(
                    company=company,
                    call_id=call_id,
                    first_seen_at=fetched_at,
                    fetched_at=fetched_at,
                    **fields,
                )
            )
        elif row.fetched_at > fetched_at:
            continue  # stored from a later fetch (the webhook's, say): it stands
        elif any(getattr(row, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(row, name, value)
            row.fetched_at = fetched_at
            changed.append(row)
        else:
            seen_again.append(call_id)
    if added:
        StoredCall.objects.bulk_create(added, batch_size=500)
    if changed:
        StoredCall.objects.bulk_update(changed, [*names, "fetched_at"], batch_size=500)
    if seen_again:
        StoredCall.objects.filter(
            company=company, call_id__in=seen_again, fetched_at__lte=fetched_at
        ).update(fetched_at=fetched_at)
    if added or changed:
        touched = [*added, *changed]
        days = {rollups.day_of(company, row.started_at) for row in touched if row.started_at}
        days |= mark_returns(company, {row.remote for row in touched if row.remote})
        rollups.refresh(company, days)
        Company.objects.filter(pk=company.pk).update(history_version=F("history_version") + 1)
    return Stored(new=len(added), changed=len(changed))


def mark_returns(company: Company, numbers: set[str]) -> set:
    """Set each missed call of these numbers to when the first later answered call with its
    number started; the days of the missed calls whose return changed."""
    if not numbers:
        return set()
    missed = StoredCall.objects.filter(MISSED, company=company, remote__in=sorted(numbers))
    before = dict(missed.values_list("pk", "returned_at"))
    first_answer = StoredCall.objects.filter(
        company=company,
        remote=OuterRef("remote"),
        answered_at__isnull=False,
        started_at__gt=OuterRef("started_at"),
    ).order_by("started_at")
    missed.update(returned_at=Subquery(first_answer.values("started_at")[:1]))
    after = missed.values_list("pk", "started_at", "returned_at")
    return {
        rollups.day_of(company, started)
        for pk, started, returned in after
        if started is not None and before.get(pk) != returned
    }


def recount(company: Company) -> None:
    """Mark every missed call's return and work every day's tallies out afresh: after calls
    were written in bulk rather than stored (synthetic history)."""
    numbers = StoredCall.objects.filter(MISSED, company=company).exclude(remote="")
    mark_returns(company, set(numbers.values_list("remote", flat=True).distinct()))
    rollups.refresh_all(company)
    Company.objects.filter(pk=company.pk).update(history_version=F("history_version") + 1)
