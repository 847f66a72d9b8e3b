"""Database sessions that ignore a session cookie Django could never have issued.

Django's own check only asks for eight characters, so a forged cookie holding a NUL byte
reached PostgreSQL, which refuses it in a query (a 500). Real keys are lowercase letters
and digits; anything else is treated as no session at all.
"""

from __future__ import annotations

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore


class SessionStore(DatabaseSessionStore):
    def _validate_session_key(self, key: str | None) -> bool:
        return bool(super()._validate_session_key(key)) and key.isascii() and key.isalnum()
