"""Company scoping for views: every page sees the signed-in user's company, and only it."""

from __future__ import annotations

import functools

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from calls.models import company_of


def company_required(view):
    """Pass the user's company to the view, in its time zone; no company, a page saying so."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        company = company_of(request.user)
        if company is None:
            return render(request, "calls/no_company.html", status=403)
        # override, not activate: the thread serves other companies' requests next.
        with timezone.override(company.zone):
            return view(request, company, *args, **kwargs)

    return wrapper
