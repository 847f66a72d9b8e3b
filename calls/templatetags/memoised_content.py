"""`{% memoised_content key %}…{% endmemoised_content %}`: a page's main content, rendered once
per process for each version of what it shows, and reused.

A warm page shows the same answer to everyone of a company who asks for the same thing, and
rendering its content through the template engine is much of what such a page costs. The view
says what the content depends on (`ContentKey`): the answer, as the identity of its tuple (the
same tuple while the cached answer stays the same, see calls.payloads), which is kept with the
HTML so that its id cannot be taken by another object while the entry exists, and everything
else the block reads (the company, the member's scope, the filters, the embedded switch, the
relative times shown...). A key of None renders the block as usual: errors, stale answers and
anything else a view does not describe are never memoised, nor is anything under DEBUG
(runserver reloads templates). The block's forms get each request's own CSRF token; anything
else per request or per member inside it (who may delete a note) must be in its key.
"""

from __future__ import annotations

import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass

from django import template
from django.conf import settings
from django.urls import get_script_prefix
from django.utils.safestring import SafeString, mark_safe

from calls import memo

register = template.Library()

CONTENTS_KEPT = 128
CONTENTS_BYTES = 4 * 1024 * 1024
# Letters and digits only, so that escaping leaves it as it is; random, so that no text a page
# shows (a note, a name from Phone.inc) can hold it.
CSRF_STAND_IN = "csrf" + secrets.token_hex(16)


@dataclass(frozen=True, slots=True)
class ContentKey:
    parts: tuple  # hashable; holds id(anchor)
    anchor: object  # the answer's value: what the parts name by identity
    # What only the block reads, worked out only when it is rendered (never for a view that
    # gets the kept HTML): a callable returning more context.
    fill: Callable[[], dict] | None = None


def _size(key: tuple, kept: tuple[object, str, bool]) -> int:
    return sys.getsizeof(kept[1]) + memo.SMALL_ENTRY_BYTES


_contents: memo.Memo[tuple, tuple[object, str, bool]] = memo.Memo(
    "page contents", entries=CONTENTS_KEPT, max_bytes=CONTENTS_BYTES, sizeof=_size
)


class MemoisedContentNode(template.Node):
    def __init__(self, key: template.base.FilterExpression, nodelist: template.NodeList):
        self.key = key
        self.nodelist = nodelist

    def render(self, context: template.Context) -> SafeString:
        key = self.key.resolve(context)
        if not isinstance(key, ContentKey):
            return self.nodelist.render(context)
        if settings.DEBUG:
            with context.push(key.fill() if key.fill else {}):
                return self.nodelist.render(context)
        kept = _contents.get(key.parts)
        if kept is None or kept[0] is not key.anchor:
            # Forms in the block carry this request's CSRF token: rendered with a stand-in,
            # which each view replaces with its own token.
            with context.push(key.fill() if key.fill else {}, csrf_token=CSRF_STAND_IN):
                html = self.nodelist.render(context)
            kept = _contents.put(key.parts, (key.anchor, html, CSRF_STAND_IN in html))
        if not kept[2]:
            return mark_safe(kept[1])
        token = str(context.get("csrf_token", ""))
        if token == CSRF_STAND_IN:  # inside a page being kept (calls.pages): left for it
            return mark_safe(kept[1])
        return mark_safe(kept[1].replace(CSRF_STAND_IN, token))


@register.tag
def memoised_content(parser: template.base.Parser, token: template.base.Token):
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError(f"{bits[0]} takes one argument: the content's key")
    nodelist = parser.parse(("endmemoised_content",))
    parser.delete_first_token()
    return MemoisedContentNode(parser.compile_filter(bits[1]), nodelist)


LAYOUT = object()  # the anchor of keys that name no answer


@register.simple_tag(takes_context=True)
def main_nav_key(context: template.Context, open_callbacks: int | None) -> ContentKey | None:
    """The key of base.html's main navigation: all it shows is which page is current, whether
    the member is an admin (the Team and Audit log links) and the open callbacks' count."""
    request, user = context.get("request"), context.get("user")
    if request is None or user is None or not user.is_authenticated:
        return None
    match = request.resolver_match
    here = match.view_name if match is not None else None
    admin = user.membership.is_admin
    return ContentKey(("main-nav", here, admin, open_callbacks, get_script_prefix()), LAYOUT)
