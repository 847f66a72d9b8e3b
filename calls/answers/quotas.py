"""How fast phonedash asks Phone.inc for each company, and for each member's searches.

Every request phonedash makes to Phone.inc for a company counts against that company's share,
PHONEDASH_COMPANY_REQUESTS_PER_MINUTE, so that one company cannot take every worker's time.
A member's searches of the call list (answers already cached cost nothing) also count against
their own PHONEDASH_SEARCHES_PER_MINUTE, set well below the company's share: a member who
floods the list with distinct filters is slowed, with a message saying so, before their
colleagues or anyone else notice.

Counts are fixed one-minute windows in the shared cache (atomic there, so they hold across
workers and hosts with Redis). Two counters per company and per member take turns, minute by
minute, each expiring just after its minute ends: a fixed set of keys, which the local-memory
cache (which keeps expired keys until it needs the room) cannot pile up. When the cache is
unavailable nothing is counted, and Phone.inc's own 429s still slow a company down.
"""

from __future__ import annotations

import logging
import math
import time

from django.conf import settings

from calls.answers.shared import SharedCache
from calls.models import Company
from calls.phoneinc import RateLimited

log = logging.getLogger("phonedash.services")

WINDOW_SECONDS = 60


def _wait(seconds: int) -> str:
    return "1 second" if seconds == 1 else f"{seconds} seconds"


class SearchingTooFast(RateLimited):
    """This member's searches are arriving faster than their share lets phonedash ask."""

    title = "Searching too fast"

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        super().__init__(
            retry_after,
            message=(message or "You are searching faster than phonedash can ask Phone.inc;")
            + f" wait {_wait(retry_after)}.",
            detail="member's searches per minute",
        )


class CompanyOverQuota(RateLimited):
    """Phonedash has asked Phone.inc as often for this company this minute as it may."""

    title = "Too many requests"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            retry_after,
            message="Your company's pages are asking Phone.inc for more than phonedash allows "
            f"in a minute; wait {_wait(retry_after)}.",
            detail="company's requests per minute",
        )


def charge(shared: SharedCache, company: Company, searcher: int | None = None) -> None:
    """Count one Phone.inc request for `company` (and a search by member `searcher`), or raise
    SearchingTooFast / CompanyOverQuota, with the seconds left in this window, when it is over."""
    if searcher is not None:
        charge_search(shared, company, searcher)
    limit = settings.PHONEDASH_COMPANY_REQUESTS_PER_MINUTE
    left = _over(shared, company, "upstream", limit, "over %s Phone.inc requests a minute")
    if left:
        raise CompanyOverQuota(left)


def charge_search(
    shared: SharedCache, company: Company, searcher: int, message: str | None = None
) -> None:
    """Count one search by member `searcher` of `company` (a filter of the list Phone.inc is
    asked for, or a search of what was said), or raise SearchingTooFast (with `message`)."""
    limit = settings.PHONEDASH_SEARCHES_PER_MINUTE
    what = "a member is over %s searches a minute"
    left = _over(shared, company, f"searches:{searcher}", limit, what)
    if left:
        raise SearchingTooFast(left, message)


class NotingTooFast(RateLimited):
    """This member is adding notes faster than PHONEDASH_NOTES_PER_MINUTE."""

    title = "Too many notes"

    def __init__(self, retry_after: int, limit: int) -> None:
        super().__init__(
            retry_after,
            message=f"You are adding notes faster than phonedash allows ({limit} a minute); "
            f"wait {_wait(retry_after)} and save it again.",
            detail="member's notes per minute",
        )


def charge_note(shared: SharedCache, company: Company, member: int) -> None:
    """Count one note added by member `member` of `company`, or raise NotingTooFast."""
    limit = settings.PHONEDASH_NOTES_PER_MINUTE
    left = _over(shared, company, f"notes:{member}", limit, "a member is over %s notes a minute")
    if left:
        raise NotingTooFast(left, limit)


def _over(shared: SharedCache, company: Company, counter: str, limit: int, what: str) -> int:
    """Count one more on the company's `counter` this minute: the seconds left in the minute
    when that is over `limit` (logged once, as `what`), else 0."""
    left, turn = _window()
    count = shared.count(f"quota:{company.pk}:{counter}:{turn}", left + 1)
    if count is None or count <= limit:
        return 0
    if count == limit + 1:
        log.warning("company %s: " + what, company.pk, limit)
    return left


def _window() -> tuple[int, int]:
    """The seconds left in this minute's window, and which of the two counters it uses."""
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    return max(1, math.ceil((window + 1) * WINDOW_SECONDS - now)), window % 2
