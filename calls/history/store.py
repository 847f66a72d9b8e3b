"""Writing calls into a company's history: one row per call id, the latest fetch winning.

Both the sync worker (a pass's calls) and the webhook (one nudged call) store through `store`,
inside a transaction of their own: applying the same calls twice changes nothing, a call seen
twice in one answer is stored once, and a fetch older than what is stored never overwrites it.
What the company's level does not keep (a summary, a transcript) is never written.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from calls.models import Company, StoredCall
from calls.phoneinc import Call

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
    return Stored(new=len(added), changed=len(changed))
