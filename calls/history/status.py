"""Where each company's history stands, for `synccalls --status`, the history page and /readyz."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from calls.history.retention import kept_since
from calls.models import Company, Gap, StoredCall, SyncState

BEHIND_AFTER_INTERVALS = 5


@dataclass(frozen=True, slots=True)
class Status:
    name: str
    level: str
    days: int
    stored: int
    oldest: datetime | None
    newest: datetime | None
    last_pass: datetime | None
    last_pass_age_seconds: int | None
    holder: str | None
    last_error: str | None
    gaps: tuple[tuple[datetime, datetime], ...]

    def as_json(self) -> dict:
        def iso(moment: datetime | None) -> str | None:
            return moment.isoformat() if moment else None

        return {
            "name": self.name,
            "level": self.level,
            "days": self.days,
            "stored": self.stored,
            "oldest": iso(self.oldest),
            "newest": iso(self.newest),
            "last_pass": iso(self.last_pass),
            "last_pass_age_seconds": self.last_pass_age_seconds,
            "holder": self.holder,
            "last_error": self.last_error,
            "gaps": [{"from": iso(start), "to": iso(end)} for start, end in self.gaps],
        }


def status_of(company: Company, now: datetime | None = None) -> Status:
    now = now or timezone.now()
    state = SyncState.objects.filter(company=company).first()
    figures = StoredCall.objects.filter(company=company).aggregate(
        stored=Count("pk"), oldest=Min("started_at"), newest=Max("started_at")
    )
    since = kept_since(company, now)
    gaps = Gap.objects.filter(company=company, end__gte=since).order_by("start")
    last_pass = state.last_pass_at if state else None
    age = max(0, round((now - last_pass).total_seconds())) if last_pass else None
    held = state is not None and state.holder and state.lease_until and state.lease_until > now
    return Status(
        name=company.name,
        level=company.history,
        days=company.history_days,
        stored=figures["stored"],
        oldest=figures["oldest"],
        newest=figures["newest"],
        last_pass=last_pass,
        last_pass_age_seconds=age,
        holder=state.holder if held else None,
        last_error=(state.last_error or None) if state else None,
        gaps=tuple((max(gap.start, since), gap.end) for gap in gaps),
    )


def statuses(company: Company | None = None) -> list[Status]:
    companies = Company.objects.filter(history__in=Company.KEEPING).order_by("name")
    if company is not None:
        companies = companies.filter(pk=company.pk)
    return [status_of(each) for each in companies]


def readiness() -> str:
    """/readyz's "history": "behind" when a company's last pass is older than five intervals
    (or it never had one in that long), else "ok". Never makes phonedash unready."""
    behind = timezone.now() - BEHIND_AFTER_INTERVALS * timedelta(
        seconds=settings.PHONEDASH_SYNC_SECONDS
    )
    late = SyncState.objects.filter(company__history__in=Company.KEEPING).filter(
        Q(last_pass_at__lt=behind) | Q(last_pass_at__isnull=True, enabled_at__lt=behind)
    )
    return "behind" if late.exists() else "ok"
