"""Error pages in the site's style (and as fragments for htmx), never Django's bare ones."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def _page(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    partial = bool(getattr(request, "htmx", False))
    template = "error_page.html#message" if partial else "error_page.html"
    context = {"status": status, "title": title, "message": message}
    try:
        return render(request, template, context, status=status)
    except Exception:  # an error page must never fail: fall back to plain text
        return HttpResponse(f"{title}\n\n{message}\n", status=status, content_type="text/plain")


def bad_request(request, exception=None) -> HttpResponse:
    return _page(request, 400, "Bad request", "The request could not be understood.")


def permission_denied(request, exception=None) -> HttpResponse:
    return _page(request, 403, "Not allowed", "You do not have access to this page.")


def page_not_found(request, exception=None) -> HttpResponse:
    return _page(
        request,
        404,
        "Page not found",
        "There is nothing at this address. It may have been mistyped, or the call may belong "
        "to another account.",
    )


def server_error(request) -> HttpResponse:
    return _page(
        request,
        500,
        "Something went wrong",
        "phonedash hit an unexpected error. It has been logged; please try again.",
    )


def csrf_failure(request, reason: str = "") -> HttpResponse:
    return _page(
        request,
        403,
        "Form expired",
        "This form was open too long or came from another site. Reload the page and try again.",
    )
