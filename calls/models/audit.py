"""The audit log's events: who did what, when, from where."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from calls.models.companies import Company


class AuditEvent(models.Model):
    """Who did what, when, from where: recordings played, exports, sign-ins, team changes.

    Written by calls.audit.record only; never edited through the site (read-only in admin).
    """

    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    RECORDING_PLAYED = "recording_played"
    TRANSCRIPT_DOWNLOADED = "transcript_downloaded"
    EXPORT_DOWNLOADED = "export_downloaded"
    NOTE_ADDED = "note_added"
    NOTE_DELETED = "note_deleted"
    MEMBER_ADDED = "member_added"
    MEMBER_CHANGED = "member_changed"
    MEMBER_DEACTIVATED = "member_deactivated"
    MEMBER_REACTIVATED = "member_reactivated"
    HISTORY_CHANGED = "history_changed"
    HOOK_TOKEN_REPLACED = "hook_token_replaced"
    NUMBER_FORGOTTEN = "number_forgotten"
    ACTIONS = [
        (SIGN_IN, "Signed in"),
        (SIGN_IN_FAILED, "Failed sign-in"),
        (RECORDING_PLAYED, "Played a recording"),
        (TRANSCRIPT_DOWNLOADED, "Downloaded a transcript"),
        (EXPORT_DOWNLOADED, "Downloaded an export"),
        (NOTE_ADDED, "Added a note"),
        (NOTE_DELETED, "Deleted a note"),
        (MEMBER_ADDED, "Added a member"),
        (MEMBER_CHANGED, "Changed a member"),
        (MEMBER_DEACTIVATED, "Deactivated a member"),
        (MEMBER_REACTIVATED, "Reactivated a member"),
        (HISTORY_CHANGED, "Changed the call history"),
        (HOOK_TOKEN_REPLACED, "Replaced the webhook token"),
        (NUMBER_FORGOTTEN, "Forgot a number"),
    ]

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="audit_events")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    username = models.CharField(max_length=150, help_text="Kept if the user is removed.")
    action = models.CharField(max_length=32, choices=ACTIONS)
    call_id = models.CharField(max_length=64, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["company", "-created_at"])]

    def __str__(self) -> str:
        when = f"{self.created_at:%Y-%m-%d %H:%M}"
        return f"{self.username} {self.get_action_display().lower()} at {when}"
