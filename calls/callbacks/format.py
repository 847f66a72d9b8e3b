"""How the callbacks board reads times: a wait ("2 h 5 min"), and when its calls start."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from calls.display import span

WEEK = timedelta(days=6)


def waited(moment: datetime | None, now: datetime | None = None) -> str:
    """How long ago `moment` was, as a wait: 'under 1 min', '47 min', '2 h 5 min'.

    To the minute: a board that counted a fresh missed call's wait in seconds would read
    differently every second, and be rendered anew for every view instead of kept."""
    if moment is None:
        return "—"
    waited_for = (now or timezone.now()) - moment
    if waited_for < timedelta(minutes=1):
        return "under 1 min"
    return span(waited_for)


def since(moment: datetime | None) -> str:
    """A moment in the past week as 'Tue 14:02' (current time zone), with its date if older."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    if timezone.now() - moment > WEEK:
        return local.strftime("%a %-d %b %Y, %H:%M")
    return local.strftime("%a %H:%M")
