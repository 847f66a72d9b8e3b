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
(runserver reloads templates). Nothing per request or per member (a CSRF token, a user name)
may be inside such a block.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from django import template
from django.conf import settings
from django.utils.safestring import SafeString, mark_safe

from calls import memo

register = template.Library()

CONTENTS_KEPT = 128
CONTENTS_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ContentKey:
    parts: tuple  # hashable; holds id(anchor)
    anchor: object  # the answer's value: what the parts name by identity


def _size(key: tuple, kept: tuple[object, SafeString]) -> int:
    return sys.getsizeof(kept[1]) + memo.SMALL_ENTRY_BYTES


_contents: memo.Memo[tuple, tuple[object, SafeString]] = memo.Memo(
    "page contents", entries=CONTENTS_KEPT, max_bytes=CONTENTS_BYTES, sizeof=_size
)


class MemoisedContentNode(template.Node):
    def __init__(self, key: template.base.FilterExpression, nodelist: template.NodeList):
        self.key = key
        self.nodelist = nodelist

    def render(self, context: template.Context) -> SafeString:
        key = self.key.resolve(context)
        if not isinstance(key, ContentKey) or settings.DEBUG:
            return self.nodelist.render(context)
        kept = _contents.get(key.parts)
        if kept is not None and kept[0] is key.anchor:
            return kept[1]
        html = mark_safe(self.nodelist.render(context))
        _contents.put(key.parts, (key.anchor, html))
        return html


@register.tag
def memoised_content(parser: template.base.Parser, token: template.base.Token):
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError(f"{bits[0]} takes one argument: the content's key")
    nodelist = parser.parse(("endmemoised_content",))
    parser.delete_first_token()
    return MemoisedContentNode(parser.compile_filter(bits[1]), nodelist)


def forget() -> None:
    """Drop everything kept (for tests that count renders)."""
    _contents.clear()
