"""What every page's view shares: which htmx fragment was asked for, and Phone.inc failures
shown as a styled message with the error's status code."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from calls import phoneinc
from calls.phoneinc import PhoneIncError


def fragment_for(request: HttpRequest, *targets: str) -> str | None:
    """The page fragment an htmx request asked for (by its hx-target), or None: full page."""
    htmx = request.htmx
    if not htmx or htmx.boosted or htmx.history_restore_request:
        return None
    return htmx.target if htmx.target in targets else None


def render_error(request: HttpRequest, error: PhoneIncError) -> HttpResponse:
    template = "calls/error.html#message" if request.htmx else "calls/error.html"
    response = render(request, template, {"error": error}, status=error.status)
    if isinstance(error, phoneinc.RateLimited):
        response["Retry-After"] = str(error.retry_after)
    return response
