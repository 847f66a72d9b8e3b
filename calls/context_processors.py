from __future__ import annotations

from calls.models import company_of


def dashboard(request) -> dict:
    """What the layout needs on every page: the user's company, the embedded switch and the
    forced colour theme (None: the device's)."""
    user = getattr(request, "user", None)
    return {
        "current_company": company_of(user) if user is not None else None,
        "embedded": getattr(request, "embedded", False),
        "theme": getattr(request, "theme", None),
    }
