"""Whole pages, rendered once per version of all they show and kept: a warm page is the same
HTML for everyone who asks the same thing.

A view that describes its content with a ContentKey (calls.templatetags.memoised_content)
renders through render_page(). The page is then that content in base.html's layout, and the
layout shows only who is signed in (their name, company and whether they are an admin), which
page is current, the open callbacks' count, the forced theme and the embedded switch: the
page is kept under all of that, with a stand-in where each response puts its own CSRF token,
and compressed when it is kept (phonedash.compression).
A view that describes nothing, an error page, a fragment and anything under DEBUG are
rendered as usual.

A kept page skips the template engine altogether: the layout's tags, the context processors
and the walk over the templates' nodes that `{% extends %}` makes took a third of a warm
page's time once its content was kept.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.cache import patch_vary_headers

from calls import callback_sources, memo
from calls.models import company_of
from calls.scope import scope_of
from calls.templatetags.memoised_content import CSRF_STAND_IN, ContentKey
from phonedash import compression
from phonedash.csrf_token import masked_token

log = logging.getLogger("phonedash.callbacks")

PAGES_KEPT = 128
PAGES_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Kept:
    """A page as kept: its UTF-8 split where each response puts its CSRF token, and each
    piece compressed on its own (phonedash.compression.spliced joins them with the token)."""

    anchor: object  # what the key names by identity, kept alive with the page
    pieces: tuple[bytes, ...]
    deflated: tuple[bytes, ...]

    @classmethod
    def of(cls, anchor: object, html: str) -> Kept:
        pieces = tuple(piece.encode() for piece in html.split(CSRF_STAND_IN))
        return cls(anchor, pieces, tuple(compression.deflated(piece) for piece in pieces))

    def response(self, request: HttpRequest, status: int) -> HttpResponse:
        token = masked_token(request).encode() if len(self.pieces) > 1 else b""
        if compression.accepts_gzip(request):
            between = (token, compression.deflated(token))
            parts = [between] * (2 * len(self.pieces) - 1)
            parts[::2] = zip(self.pieces, self.deflated, strict=True)
            response = HttpResponse(compression.spliced(parts), status=status)
            response["Content-Encoding"] = "gzip"
        else:
            response = HttpResponse(token.join(self.pieces), status=status)
        patch_vary_headers(response, ("Accept-Encoding",))
        return response


def _size(key: tuple, kept: Kept) -> int:
    held = sum(len(piece) for piece in kept.pieces) + sum(len(piece) for piece in kept.deflated)
    return held + memo.SMALL_ENTRY_BYTES


_pages: memo.Memo[tuple, Kept] = memo.Memo(
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
    if kept is None or kept.anchor is not key.anchor:
        html = render_to_string(template_name, {**context, "csrf_token": CSRF_STAND_IN}, request)
        kept = _pages.put(key.parts, Kept.of(key.anchor, html))
    return kept.response(request, status)


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
