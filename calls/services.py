"""What views call to get a company's calls: per-company client, caching and stale answers.

Answers come through calls.answers, which keeps them in the shared cache by company, makes one
upstream request for concurrent misses and shows the last good answer, marked with its age,
when Phone.inc fails. Recording URLs are minted per request upstream and are never cached.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from dataclasses import dataclass

from django.conf import settings

from calls import answers, encryption, phoneinc, quotas
from calls.answers import Answer
from calls.lookups import found as cache_lookups
from calls.lookups import reset as cache_lookups_reset
from calls.models import Company
from calls.phoneinc import Call, RateLimited

__all__ = [
    "Answer",
    "CallFilters",
    "cache_lookups",
    "cache_lookups_reset",
    "client_for",
    "first_seen",
    "get_call",
    "get_call_fresh",
    "list_calls",
    "listed",
    "page_budget",
    "peek_list_calls",
]

log = logging.getLogger("phonedash.services")

UNREADABLE_KEY = (
    "phonedash cannot read this company's stored Phone.inc API key. "
    "Ask your administrator to enter it again."
)
FIRST_SEEN_SECONDS = 24 * 3600


def page_budget() -> contextlib.AbstractContextManager[float]:
    """The Phone.inc budget of one page: everything asked of Phone.inc inside the block, waits
    for another request's fetch included, ends PHONEDASH_UPSTREAM_BUDGET seconds from now.

    The request middleware opens it around every request; commands and scripts that call these
    functions open it around each piece of work a page would be. Nested, it only ever shortens
    the budget already open. Yields the deadline, in time.monotonic() terms.
    """
    return phoneinc.request_deadline(settings.PHONEDASH_UPSTREAM_BUDGET)


@dataclass(frozen=True, slots=True)
class CallFilters:
    """Normalised list parameters, exactly as they are sent to Phone.inc."""

    phone_number: str | None = None
    direction: str | None = None
    state: str | None = None
    limit: int = phoneinc.DEFAULT_LIMIT

    def params(self) -> dict[str, str | int]:
        values = {
            "phone_number": self.phone_number,
            "direction": self.direction,
            "state": self.state,
            "limit": self.limit,
        }
        return {name: value for name, value in values.items() if value not in (None, "")}


def client_for(company: Company) -> phoneinc.PhoneIncClient:
    """A client with the company's key; a key phonedash cannot use is an InvalidKey page."""
    try:
        return phoneinc.PhoneIncClient(
            company.api_key,
            base_url=settings.PHONE_INC_API_URL,
            timeout=settings.PHONEDASH_UPSTREAM_TIMEOUT,
            total_timeout=settings.PHONEDASH_UPSTREAM_BUDGET,
        )
    except encryption.UndecryptableKey:
        # The secret key changed without the old one in PHONEDASH_SECRET_KEY_FALLBACKS.
        log.error("company %s: stored API key cannot be decrypted", company.pk)
        raise phoneinc.InvalidKey(UNREADABLE_KEY, detail="undecryptable stored key") from None
    except ValueError as error:  # a stored key with spaces or control characters
        log.error("company %s: %s", company.pk, error)
        raise phoneinc.InvalidKey(detail=str(error)) from None


def list_calls(
    company: Company, filters: CallFilters, *, searcher: int | None = None
) -> Answer[tuple[Call, ...]]:
    """The company's calls for these filters. `searcher`: the id of the member whose search
    this is (the call list's filters), so that their searches per minute are bounded too."""

    def fetch() -> tuple[Call, ...]:
        calls = client_for(company).list_calls(transcripts=False, **filters.params())
        return tuple(listed(call) for call in calls)

    return answers.cached(company, "list", _list_identity(filters), fetch, searcher=searcher)


def peek_list_calls(company: Company, filters: CallFilters) -> Answer[tuple[Call, ...]] | None:
    """The list's answer if the cache holds a fresh one, else None; never asks Phone.inc.

    For what a page shows on the side, such as the navigation's count of open callbacks:
    it must never cost a Phone.inc request, nor a wait on another request's fetch."""
    return answers.peek(company, "list", _list_identity(filters))


def _list_identity(filters: CallFilters) -> str:
    return repr(sorted(filters.params().items()))


def listed(call: Call) -> Call:
    """What a list keeps of a call: no recording link (minted per request) and no transcript.

    Lists never show a transcript and the detail page fetches its call itself, so a cached
    50-call answer drops them: a fraction of the size to store, and to unpickle when read.
    """
    call = call.without_recording()
    if call.segments is None and call.transcription is None:
        return call
    return dataclasses.replace(call, segments=None, transcription=None)


def get_call(company: Company, call_id: str) -> Answer[Call]:
    if not phoneinc.is_valid_call_id(call_id):
        raise phoneinc.NotFound()
    return answers.cached(
        company,
        "call",
        call_id,
        lambda: client_for(company).get_call(call_id).without_recording(),
    )


def get_call_fresh(company: Company, call_id: str) -> Call:
    """The call straight from Phone.inc, recording URL included: for playback, never cached."""
    if not phoneinc.is_valid_call_id(call_id):
        raise phoneinc.NotFound()
    answers.raise_if_cooling_down(company)
    quotas.charge(answers.shared, company)
    try:
        return client_for(company).get_call(call_id)
    except RateLimited as error:
        answers.start_cooldown(company, error.retry_after)
        raise


def first_seen(company: Company, kind: str, identity: str, now: float) -> float:
    """When this dashboard first saw something (a call waiting for its summary...), by our own
    clock: remembered for a day in the cache, so every worker and every open page agree."""
    key = answers.cache_key(company, kind, identity)
    answers.shared.add(key, now, FIRST_SEEN_SECONDS)
    seen = answers.shared.get(key)
    return float(seen) if isinstance(seen, int | float) else now
