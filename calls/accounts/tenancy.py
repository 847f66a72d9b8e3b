"""Company scoping for views: every page sees the signed-in user's company, and only it.

`company_required` is the one helper every product view goes through. It also puts the
member on the request: `request.member` (their Membership) and `request.scope` (the lines
and content they may see, calls.accounts.scope), which views apply to whatever they show; and
it sends a member who still has a one-time password to choose their own first.
"""

from __future__ import annotations

import functools

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import empty
from django_htmx.http import HttpResponseClientRedirect

from calls.accounts.scope import scope_of
from calls.models import company_of
from phonedash.urlquery import with_embed


def company_required(view):
    """Pass the user's company to the view, in its time zone; no company, a page saying so."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        company = company_of(request.user)
        # Signed in, the user is loaded by now: the page reads it directly, not through the
        # lazy wrapper Django puts on the request (every attribute looked up through it).
        loaded = getattr(request.user, "_wrapped", empty)
        if loaded is not empty:
            request.user = loaded
        if company is None:
            return render(request, "calls/no_company.html", status=403)
        request.member = request.user.membership
        if request.member.must_change_password:
            return change_password_first(request)
        request.scope = scope_of(request.member)
        # override, not activate: the thread serves other companies' requests next.
        with timezone.override(company.zone):
            return view(request, company, *args, **kwargs)

    return wrapper


def change_password_first(request: HttpRequest) -> HttpResponse:
    """A member signed in with a one-time password chooses their own before anything else;
    an htmx request sends the whole window there, not the form into a fragment."""
    url = reverse("password_change")
    if getattr(request, "embedded", False):
        url = with_embed(url)
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return redirect(url)


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


def content_forbidden(request: HttpRequest) -> HttpResponse:
    """The 403 for a member who may not play recordings or read transcripts."""
    return forbidden(
        request,
        "No access to recordings and transcripts",
        "Your access does not include playing recordings or reading transcripts. "
        "Ask an admin of your company if you need it.",
    )
