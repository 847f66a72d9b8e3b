"""Sign-in attempts counted in the database (calls.accounts.login_counters)."""

from __future__ import annotations

from django.db import models


class LoginCounter(models.Model):
    """Sign-in attempts for one account or one address (calls.accounts.login_counters).

    In the database so that every worker and host counts the same attempts, with or without
    Redis. `key` is a digest: no username or address is kept in clear. Times are
    time.time() seconds.
    """

    key = models.CharField(max_length=80, unique=True)
    failures = models.IntegerField(default=0, help_text="Wrong passwords in this window.")
    pending = models.IntegerField(default=0, help_text="Attempts being checked right now.")
    window_started = models.FloatField(default=0)
    locked_until = models.FloatField(default=0)

    def __str__(self) -> str:
        return self.key.split(":")[0]
