from __future__ import annotations

from calls.models import company_of


def dashboard(request) -> dict:
    """What the layout needs on every page: the user's company and the embedded switch."""
    user = getattr(request, "user", None)
    return {
        "current_company": company_of(user) if user is not None else None,
        "embedded": getattr(request, "embedded", False),
    }
