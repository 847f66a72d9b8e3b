"""Whole pages, rendered once per version of all they show and kept: a warm page is the same
HTML for everyone who asks the same thing.

A view that describes its content with a ContentKey (calls.templatetags.memoised_content)
renders through render_page(). The page is then that content in base.html's layout, and the
layout shows only who is signed in (their name, company and whether they are an admin), which
page is current, the open callbacks' count, the forced theme and the embedded switch: the
page is kept under all of that, with a stand-in where each response puts its own CSRF token.
A view that describes nothing, an error page, a fragment and anything under DEBUG are
rendered as usual.

A kept page skips the template engine altogether: the layout's tags, the context processors
and the walk over the templates' nodes that `{% extends %}` makes took a third of a warm
page's time once its content was kept.
"""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import get_script_prefix

from calls import callback_sources, memo
from calls.models import company_of
from calls.scope import scope_of
from calls.templatetags.memoised_content import CSRF_STAND_IN, ContentKey
from phonedash.csrf_token import masked_token

log = logging.getLogger("phonedash.callbacks")

PAGES_KEPT = 128
PAGES_BYTES = 4 * 1024 * 1024


def _size(key: tuple, kept: tuple[object, str, bool]) -> int:
    return sys.getsizeof(kept[1]) + memo.SMALL_ENTRY_BYTES


_pages: memo.Memo[tuple, tuple[object, str, bool]] = memo.Memo(
    "pages", entries=PAGES_KEPT, max_bytes=PAGES_BYTES, sizeof=_size
)


def render_page(
    request: HttpRequest, template_name: str, context: dict, *, status: int = 200
) -> HttpResponse:
    """`render(request, template_name, context, status=status)`, from the kept page when the
    context's `content_key` describes the content and the page is a 200."""
    key = page_key(request, template_name, context.get("content_key")) if status == 200 else None
    if key is None or settings.DEBUG:
        return render(request, template_name, context, status=status)
    kept = _pages.get(key.parts)
    if kept is None or kept[0] is not key.anchor:
        html = render_to_string(template_name, {**context, "csrf_token": CSRF_STAND_IN}, request)
        kept = _pages.put(key.parts, (key.anchor, html, CSRF_STAND_IN in html))
    html = kept[1].replace(CSRF_STAND_IN, masked_token(request)) if kept[2] else kept[1]
    return HttpResponse(html, status=status)


def page_key(request: HttpRequest, template_name: str, content: object) -> ContentKey | None:
    """All a page shows: its content's key, and what the layout shows around it."""
    member = getattr(request, "member", None)
    if not isinstance(content, ContentKey) or member is None:
        return None
    match = request.resolver_match
    parts = (
        "page",
        template_name,
        content.parts,
        match.view_name if match is not None else None,
        request.user.get_username(),
        member.company.name,
        member.is_admin,
        open_callbacks(request),
        getattr(request, "theme", None),
        bool(getattr(request, "embedded", False)),
        get_script_prefix(),
    )
    return ContentKey(parts, content.anchor)


def open_callbacks(request: HttpRequest) -> int | None:
    """The navigation's count of open callbacks, when the board's answers are in the cache;
    None otherwise. Worked out once per request (a page's key and its layout show the same
    figure); never asks Phone.inc, and never costs the page if it fails."""
    try:
        return request._phonedash_open_callbacks  # type: ignore[attr-defined]
    except AttributeError:
        pass
    count = None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        try:
            count = _count(request, user)
        except Exception:  # a badge must never cost the user their page
            log.exception("could not count open callbacks")
    request._phonedash_open_callbacks = count  # type: ignore[attr-defined]
    return count


def _count(request: HttpRequest, user) -> int | None:
    company = company_of(user)
    if company is None:
        return None
    scope = getattr(request, "scope", None) or scope_of(user.membership)
    return callback_sources.peek_open_count(company, scope)


def forget() -> None:
    """Drop every kept page (for tests that count renders)."""
    _pages.clear()
