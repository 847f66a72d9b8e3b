"""How long the history keeps calls, and erasing a caller from it.

*Kept* means started on one of the company's last `history_days` days, today included, in its
time zone: anything that started before the oldest kept day is deleted, in batches of at most
PURGE_BATCH rows per statement, each its own transaction, so that pages reading the history
meanwhile never wait on the purge and a purge of millions of rows always finishes. The sync
workers purge every company at least hourly (`purge_if_due`); `purgehistory` does it now.
Calls without a start time go once phonedash first saw them that long ago.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from django.db.models import F, Q
from django.utils import timezone

from calls.models import Company, Gap, HookNudge, Note, StoredCall, SyncState
from calls.sources import rollups

log = logging.getLogger("phonedash.sync")

PURGE_BATCH = 5000
PURGE_EVERY = timedelta(hours=1)
NUDGES_KEPT = timedelta(minutes=2)  # longer than the webhook's one-minute window
# A nudge never fetched (its worker died between accepting and fetching it) is let go: by
# now the call has long been in the company's newest calls, or gone from them.
UNFETCHED_KEPT = timedelta(days=1)


def oldest_kept_day(company: Company, now: datetime | None = None) -> date:
    today = timezone.localdate(now or timezone.now(), company.zone)
    return today - timedelta(days=company.history_days - 1)


def kept_since(company: Company, now: datetime | None = None) -> datetime:
    """The first moment the history keeps: midnight of its oldest kept day, in its zone."""
    day = oldest_kept_day(company, now)
    return datetime(day.year, day.month, day.day, tzinfo=company.zone)


def purge(company: Company, now: datetime | None = None) -> int:
    """Delete the company's calls (and gaps) from before its oldest kept day; how many calls."""
    cutoff = kept_since(company, now)
    expired = StoredCall.objects.filter(company=company).filter(
        Q(started_at__lt=cutoff) | Q(started_at__isnull=True, first_seen_at__lt=cutoff)
    )
    deleted = _in_batches(expired)
    Gap.objects.filter(company=company, end__lt=cutoff).delete()
    rollups.forget_before(company, oldest_kept_day(company, now))
    if deleted:
        changed(company)
    if deleted:
        log.info("company %s: purged %d calls older than its kept days", company.pk, deleted)
    return deleted


def purge_if_due(now: datetime | None = None) -> int:
    """Purge each company with history whose last purge is an hour old (claimed with one
    conditional UPDATE, so that workers sharing the companies do not purge one twice)."""
    now = now or timezone.now()
    HookNudge.objects.filter(at__lt=now - NUDGES_KEPT, fetched=True).delete()
    HookNudge.objects.filter(at__lt=now - UNFETCHED_KEPT).delete()
    deleted = 0
    due = SyncState.objects.filter(company__history__in=Company.KEEPING).filter(
        Q(purged_at__isnull=True) | Q(purged_at__lt=now - PURGE_EVERY)
    )
    for state in due.select_related("company"):
        claimed = SyncState.objects.filter(pk=state.pk, purged_at=state.purged_at).update(
            purged_at=now
        )
        if claimed:
            deleted += purge(state.company, now)
    return deleted


def forget_number(company: Company, number: str) -> int:
    """Delete every stored call whose other party is `number` (E.164) and the notes on them;
    how many calls."""
    calls = StoredCall.objects.filter(company=company, remote=number)
    found = list(calls.values_list("call_id", "started_at"))
    ids = [call_id for call_id, _ in found]
    for start in range(0, len(ids), PURGE_BATCH):
        Note.objects.filter(company=company, call_id__in=ids[start : start + PURGE_BATCH]).delete()
    deleted = _in_batches(calls)
    rollups.refresh(company, {rollups.day_of(company, moment) for _, moment in found if moment})
    changed(company)
    return deleted


def drop_content(company: Company) -> None:
    """Blank what the company's level no longer keeps (summaries, transcripts), at once."""
    calls = StoredCall.objects.filter(company=company)
    if not company.keeps(Company.TRANSCRIPTS):
        kept = (
            Q(transcription__isnull=False)
            | Q(segments__isnull=False)
            | Q(words__isnull=False)
            | Q(search_transcript__isnull=False)
        )
        blank = {"transcription": None, "segments": None, "words": None, "search_transcript": None}
        if calls.filter(kept).update(**blank):
            rollups.refresh_all(company)  # no more words to share out
    if not company.keeps(Company.SUMMARIES):
        kept = Q(summary__isnull=False) | Q(search_summary__isnull=False)
        calls.filter(kept).update(summary=None, search_summary=None)
    changed(company)


def forget_all(company: Company) -> int:
    """Delete everything the history holds for the company (its level set to off)."""
    deleted = _in_batches(StoredCall.objects.filter(company=company))
    Gap.objects.filter(company=company).delete()
    HookNudge.objects.filter(company=company).delete()
    SyncState.objects.filter(company=company).delete()
    rollups.forget_before(company, date.max)
    changed(company)
    return deleted


def changed(company: Company) -> None:
    """The company's stored calls changed: pages kept from them are out of date."""
    Company.objects.filter(pk=company.pk).update(history_version=F("history_version") + 1)


def _in_batches(rows) -> int:
    deleted = 0
    while True:
        batch = list(rows.values_list("pk", flat=True)[:PURGE_BATCH])
        if not batch:
            return deleted
        deleted += StoredCall.objects.filter(pk__in=batch).delete()[0]
