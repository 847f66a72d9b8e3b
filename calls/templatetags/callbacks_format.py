"""Template pieces of the callbacks board: how long a wait reads, and the navigation's count."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django import template
from django.utils import timezone

from calls import callback_sources
from calls.models import company_of
from calls.scope import scope_of

register = template.Library()
log = logging.getLogger("phonedash.callbacks")

WEEK = timedelta(days=6)


@register.filter
def span(value: timedelta | None) -> str:
    """A wait in words: '40 s', '12 min', '2 h 5 min', '3 d 4 h'."""
    if value is None:
        return "—"
    seconds = max(0, int(value.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


@register.filter
def waited(moment: datetime | None) -> str:
    """How long ago `moment` was, as a wait: '47 min', '2 h 5 min'."""
    if moment is None:
        return "—"
    return span(timezone.now() - moment)


@register.filter
def since(moment: datetime | None) -> str:
    """A moment in the past week as 'Tue 14:02' (current time zone), with its date if older."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    if timezone.now() - moment > WEEK:
        return local.strftime("%a %-d %b %Y, %H:%M")
    return local.strftime("%a %H:%M")


@register.simple_tag(takes_context=True)
def open_callbacks(context) -> int | None:
    """The number of open callbacks for the navigation, when the board's answers are in the
    cache; None otherwise. Never asks Phone.inc, and never costs the page if it fails."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    try:
        company = company_of(user)
        if company is None:
            return None
        scope = getattr(request, "scope", None) or scope_of(user.membership)
        return callback_sources.peek_open_count(company, scope)
    except Exception:  # a badge must never cost the user their page
        log.exception("could not count open callbacks")
        return None
