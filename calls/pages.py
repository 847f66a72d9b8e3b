"""Whole pages kept rendered: a warm page is the same HTML for everyone who asks the same thing.

A view that can name everything its page shows passes it as `version` (the answer it shows by
when it was fetched, the company, the member's lines, the query, each row's relative time…);
`render_page` then keeps the HTML under that version and the request's layout (calls.layout:
member, role, page, navigation figures, theme, embedding), and serves it again without the
template engine. Each response gets its own CSRF token from Django (`get_token`), put where the
page was rendered with a stand-in. Errors, fragments, anything without a version and anything
under DEBUG render as usual.

Kept because the budget needs it: a warm 50-call list rendered afresh costs about 15 ms of CPU,
ten times the bare login-required view; served kept, about the same as that view (the README's
Benchmarks section has the figures with and without it).
"""

from __future__ import annotations

import secrets
import sys
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import get_script_prefix

from calls import memo
from calls.layout import layout_of

PAGES_KEPT = 128
PAGES_BYTES = 4 * 1024 * 1024
# Letters and digits only, so that escaping leaves it as it is; random, so that no text a page
# shows (a note, a name from Phone.inc) can hold it.
CSRF_STAND_IN = "csrf" + secrets.token_hex(16)

# Kept encoded, as sent: a page with any character beyond Latin-1 (an en dash, a curly quote)
# would take two or four bytes a character as a str.
_pages: memo.Memo[tuple, bytes] = memo.Memo(
    "pages",
    entries=PAGES_KEPT,
    max_bytes=PAGES_BYTES,
    sizeof=lambda key, html: sys.getsizeof(html) + memo.deep_size(key),
)
_STAND_IN = CSRF_STAND_IN.encode()


def render_page(
    request: HttpRequest,
    template_name: str,
    context: dict,
    *,
    version: tuple | None = None,
    fill: Callable[[], dict] | None = None,
    status: int = 200,
) -> HttpResponse:
    """`render(request, template_name, context, status=status)`, or the page kept for the same
    `version` and layout. `fill` gives what only rendering needs (figures a kept page does not
    work out again), added to the context when the page is rendered."""
    if version is None or status != 200 or settings.DEBUG:
        context = {**context, **fill()} if fill else context
        return render(request, template_name, context, status=status)
    key = (template_name, version, layout_of(request), get_script_prefix())
    html = _pages.get(key)
    if html is None:
        context = {**context, **(fill() if fill else {}), "csrf_token": CSRF_STAND_IN}
        html = render_to_string(template_name, context, request).encode()
        _pages.put(key, html)
    return HttpResponse(html.replace(_STAND_IN, get_token(request).encode()))


def forget() -> None:
    """Drop every kept page (for tests that count renders)."""
    _pages.clear()
