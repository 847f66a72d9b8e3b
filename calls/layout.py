"""What the layout around every page shows: who is signed in, their company and role, the page
they are on, the figures features put in the navigation, the forced theme, the embedded switch.

Worked out once per request (`layout_of`) as one frozen `Layout`, which base.html reads (the
context processor `context`) and a kept page is keyed by (calls.pages): a page kept for one
layout is never served in another. Features add their navigation figures when the app starts
(`add_figure`, as the callbacks board adds its count of open callbacks), so this module knows
none of them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest

from calls.models import company_of

log = logging.getLogger("phonedash.views")

_figures: dict[str, Callable[[HttpRequest], object]] = {}


def add_figure(name: str, figure: Callable[[HttpRequest], object]) -> None:
    """Show `figure(request)` in the navigation as `layout.figures.<name>` (hashable, or None).
    It runs on every signed-in page: it must never ask Phone.inc nor wait on anything."""
    _figures[name] = figure


@dataclass(frozen=True, slots=True)
class Figures:
    """The navigation's figures by name (`layout.figures.open_callbacks`); None when absent."""

    items: tuple[tuple[str, object], ...] = ()

    def __getattr__(self, name: str) -> object:
        return dict(self.items).get(name)


@dataclass(frozen=True, slots=True)
class Layout:
    username: str
    company: str | None
    is_admin: bool
    here: str | None  # the current page's URL name
    figures: Figures
    theme: str | None
    embedded: bool


def layout_of(request: HttpRequest) -> Layout:
    """The request's layout, worked out on first use and kept on the request."""
    try:
        return request._phonedash_layout  # type: ignore[attr-defined]
    except AttributeError:
        pass
    user = getattr(request, "user", None)
    company = company_of(user) if user is not None else None
    match = getattr(request, "resolver_match", None)
    layout = Layout(
        username=user.get_username() if user is not None and user.is_authenticated else "",
        company=company.name if company is not None else None,
        is_admin=company is not None and user.membership.is_admin,
        here=match.view_name if match is not None else None,
        figures=Figures(_read_figures(request) if company is not None else ()),
        theme=getattr(request, "theme", None),
        embedded=bool(getattr(request, "embedded", False)),
    )
    request._phonedash_layout = layout  # type: ignore[attr-defined]
    return layout


def _read_figures(request: HttpRequest) -> tuple[tuple[str, object], ...]:
    found = []
    for name, figure in _figures.items():
        try:
            value = figure(request)
        except Exception:  # a badge must never cost the member their page
            log.exception("could not work out the navigation's %s", name)
            value = None
        found.append((name, value))
    return tuple(found)


def context(request: HttpRequest) -> dict:
    """The context processor: the layout, and what templates have long read beside it (the
    member's company, the embedded switch, the forced theme: None follows the device)."""
    user = getattr(request, "user", None)
    return {
        "layout": _Lazy(request),
        "current_company": company_of(user) if user is not None else None,
        "embedded": getattr(request, "embedded", False),
        "theme": getattr(request, "theme", None),
    }


class _Lazy:
    """The layout, worked out only if a template reads it (an error page may not)."""

    def __init__(self, request: HttpRequest) -> None:
        self._request = request

    def __getattr__(self, name: str) -> object:
        return getattr(layout_of(self._request), name)
