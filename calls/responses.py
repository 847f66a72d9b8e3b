"""What every page's view shares: which htmx fragment was asked for, Phone.inc failures shown
as a styled message with the error's status code, and POST-only routes that say what to do
when they are opened instead."""

from __future__ import annotations

import functools

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

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


def post_only(title: str, message: str):
    """require_POST, answering any other method with a 405 page (or fragment, for htmx) that
    says where the button or form is."""

    def decorate(view):
        guarded = require_POST(view)

        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            response = guarded(request, *args, **kwargs)
            if response.status_code != 405 or request.method == "POST":
                return response
            template = "error_page.html#message" if request.htmx else "error_page.html"
            context = {"status": 405, "title": title, "message": message}
            page = render(request, template, context, status=405)
            page["Allow"] = "POST"
            return page

        return wrapper

    return decorate
