"""Changing what a company's history keeps, wherever it is changed (the history page, Django
admin, `createcompany`): a lower level removes at once what it no longer keeps, `off` deletes
the stored calls, and a company whose history is on always has its place in the sync.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from calls.history import retention, worker
from calls.models import Company, SyncState


def apply_level(company: Company, before: str) -> int:
    """Bring the stored history in line with the company's level, which was `before`; how
    many stored calls were deleted (all of them when it is now off)."""
    with transaction.atomic():
        if not company.keeps_history:
            return retention.forget_all(company)
        worker.enable(company)
        if before != company.history:
            retention.drop_content(company)
    return 0


@receiver(post_save, sender=Company, dispatch_uid="calls.history.company_saved")
def _company_saved(sender, instance: Company, raw: bool = False, **kwargs) -> None:
    """A company with history on has its place in the sync; one whose refused key was just
    replaced is tried again at once."""
    if raw or not instance.keeps_history:
        return
    worker.enable(instance)
    SyncState.objects.filter(company=instance).exclude(refused_key="").exclude(
        refused_key=worker.key_digest(instance)
    ).update(refused_key="", due_at=timezone.now())
