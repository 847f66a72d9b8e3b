"""Whether the navigation shows Search (calls.layout): to members who may read transcripts, of
a company whose history keeps summaries or transcripts."""

from __future__ import annotations

from django.http import HttpRequest

from calls.accounts.scope import scope_of
from calls.models import Company, company_of


def can_search(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    company = company_of(user) if user is not None else None
    if company is None or not company.keeps(Company.SUMMARIES):
        return False
    scope = getattr(request, "scope", None) or scope_of(user.membership)
    return scope.content
