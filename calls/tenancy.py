"""Company scoping for views: every page sees the signed-in user's company, and only it.

`company_required` is the one helper every product view goes through. It also puts the
member on the request: `request.member` (their Membership) and `request.scope` (the lines
and content they may see, calls.scope), which views apply to whatever they show.
"""

from __future__ import annotations

import functools

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from calls.models import company_of
from calls.scope import scope_of


def company_required(view):
    """Pass the user's company to the view, in its time zone; no company, a page saying so."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        company = company_of(request.user)
        if company is None:
            return render(request, "calls/no_company.html", status=403)
        request.member = request.user.membership
        request.scope = scope_of(request.member)
        # override, not activate: the thread serves other companies' requests next.
        with timezone.override(company.zone):
            return view(request, company, *args, **kwargs)

    return wrapper


def admin_required(view):
    """company_required, for company admins only: anyone else gets a 403 page."""

    @company_required
    @functools.wraps(view)
    def wrapper(request: HttpRequest, company, *args, **kwargs) -> HttpResponse:
        if not request.member.is_admin:
            return forbidden(
                request, "Admins only", "Only your company's admins can open this page."
            )
        return view(request, company, *args, **kwargs)

    return wrapper


def forbidden(request: HttpRequest, title: str, message: str) -> HttpResponse:
    """A 403 page (or fragment, for htmx) that says why, in the site's style."""
    template = "error_page.html#message" if getattr(request, "htmx", False) else "error_page.html"
    context = {"status": 403, "title": title, "message": message}
    return render(request, template, context, status=403)
