"""Notes members leave on calls: phonedash's own, while the call stays at Phone.inc."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from calls.models.companies import Company


class Note(models.Model):
    """A note a member left on a call: phonedash owns it, the call stays at Phone.inc."""

    MAX_LENGTH = 2000

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="notes")
    call_id = models.CharField(max_length=64)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    author_name = models.CharField(max_length=150, help_text="Kept if the author is removed.")
    text = models.TextField(max_length=MAX_LENGTH)
    marks_handled = models.BooleanField(
        default=False, help_text="This note marked a missed call as handled."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["company", "call_id"])]

    def __str__(self) -> str:
        return f"Note by {self.author_name} on {self.call_id}"
