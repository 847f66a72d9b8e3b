"""purgeaudit: remove audit events older than PHONEDASH_AUDIT_DAYS; run it daily from cron."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.management import BaseCommand
from django.utils import timezone

from calls.models import AuditEvent


class Command(BaseCommand):
    help = (
        "Remove audit events older than PHONEDASH_AUDIT_DAYS (default 365) and say how many. "
        "Run it daily, e.g. from cron."
    )

    def handle(self, **options) -> None:
        days = settings.PHONEDASH_AUDIT_DAYS
        cutoff = timezone.now() - timedelta(days=days)
        removed, _ = AuditEvent.objects.filter(created_at__lt=cutoff).delete()
        noun = "event" if removed == 1 else "events"
        self.stdout.write(f"Removed {removed} audit {noun} older than {days} days.")
