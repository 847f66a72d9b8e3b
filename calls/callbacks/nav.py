"""The navigation's count of open callbacks, which every signed-in page shows (calls.layout).

Read from the board's answers only while they are fresh in the cache: it never asks Phone.inc,
never waits on another request's fetch, and a member who has not opened the board lately sees
no count rather than a page that waits for one.
"""

from __future__ import annotations

from django.http import HttpRequest

from calls.accounts.scope import scope_of
from calls.callbacks.sources import peek_open_count
from calls.models import company_of


def open_callbacks(request: HttpRequest) -> int | None:
    user = getattr(request, "user", None)
    company = company_of(user) if user is not None else None
    if company is None:
        return None
    scope = getattr(request, "scope", None) or scope_of(user.membership)
    return peek_open_count(company, scope)
