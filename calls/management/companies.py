"""Finding the company a command names."""

from __future__ import annotations

from django.core.management import CommandError

from calls.models import Company


def find_company(name: str) -> Company:
    """The company of that name (any case), or a CommandError saying there is none."""
    company = Company.objects.filter(name__iexact=name.strip()).first()
    if company is None:
        raise CommandError(f"No company named {name!r}.")
    return company
