"""The Phone.inc window: the newest calls Phone.inc gives for a question, at most 50.

Phone.inc answers a list with its newest calls only (no dates, no further pages), so this
source refuses a dated query (`NeedsHistory`) before anything is asked. Answers come through
calls.answers.store: kept in the shared cache per company and question, one upstream request
for concurrent misses, the last good answer shown with its age when Phone.inc fails, and every
request counted against the company's share. Phone.inc has no line or employee filter: the
window is the company's answer, and a query's lines and employee are applied to it after.
Recording links are minted per request upstream and never kept.
"""

from __future__ import annotations

import dataclasses
import logging

from django.conf import settings

from calls import phoneinc
from calls.answers import quotas
from calls.answers import store as answers
from calls.answers.store import Answer
from calls.models import Company, encryption
from calls.numbers import as_e164
from calls.phoneinc import Call, RateLimited
from calls.sources.query import CallQuery, Listing, NeedsHistory

log = logging.getLogger("phonedash.services")

UNREADABLE_KEY = (
    "phonedash cannot read this company's stored Phone.inc API key. "
    "Ask your administrator to enter it again."
)
FIRST_SEEN_SECONDS = 24 * 3600


class Window:
    """The company's calls as Phone.inc lists them now (calls.sources.CallSource)."""

    def __init__(self, company: Company) -> None:
        self.company = company

    def list(self, query: CallQuery, *, searcher: int | None = None) -> Listing:
        """The query's calls among Phone.inc's newest. `searcher`: the id of the member whose
        search this is (the list's filters), so that their searches per minute are bounded."""
        if query.is_dated:
            raise NeedsHistory()
        answer = list_calls(self.company, query, searcher=searcher)
        return listing(answer, query, self.company.region)

    def peek(self, query: CallQuery) -> Listing | None:
        """The query's calls if a fresh answer is in the cache, else None; never asks Phone.inc.

        For what a page shows on the side, such as the navigation's count of open callbacks:
        it must never cost a Phone.inc request, nor a wait on another request's fetch."""
        if query.is_dated:
            return None
        answer = answers.peek(self.company, "list", _list_identity(query))
        return None if answer is None else listing(answer, query, self.company.region)

    def call(self, call_id: str) -> Answer[Call]:
        return get_call(self.company, call_id)

    def fresh_call(self, call_id: str) -> Call:
        return get_call_fresh(self.company, call_id)


def listing(answer: Answer[tuple[Call, ...]], query: CallQuery, region: str) -> Listing:
    """The answer as a Listing: its calls on the query's lines and with its employee."""
    window = answer.value
    calls = window
    if query.lines:
        calls = tuple(call for call in calls if as_e164(call.main_number, region) in query.lines)
    if query.employee:
        calls = tuple(call for call in calls if takes_part(call, query.employee))
    return Listing(calls=calls, answer=answer, window=window)


def takes_part(call: Call, employee: str) -> bool:
    """Whether the employee (a Phone.inc id) is named on the call or placed it."""
    placed = call.initiated_by is not None and call.initiated_by.id == employee
    return placed or any(person.id == employee for person in call.employees)


def client_for(company: Company, *, total_timeout: float | None = None) -> phoneinc.PhoneIncClient:
    """A client with the company's key, each call bounded by `total_timeout` (a page's whole
    budget unless told); a key phonedash cannot use is an InvalidKey page."""
    budget = settings.PHONEDASH_UPSTREAM_BUDGET
    try:
        return phoneinc.PhoneIncClient(
            company.api_key,
            base_url=settings.PHONE_INC_API_URL,
            timeout=min(settings.PHONEDASH_UPSTREAM_TIMEOUT, total_timeout or budget),
            total_timeout=total_timeout or budget,
        )
    except encryption.UndecryptableKey:
        # The secret key changed without the old one in PHONEDASH_SECRET_KEY_FALLBACKS.
        log.error("company %s: stored API key cannot be decrypted", company.pk)
        raise phoneinc.InvalidKey(UNREADABLE_KEY, detail="undecryptable stored key") from None
    except ValueError as error:  # a stored key with spaces or control characters
        log.error("company %s: %s", company.pk, error)
        raise phoneinc.InvalidKey(detail=str(error)) from None


def list_calls(
    company: Company, query: CallQuery, *, searcher: int | None = None
) -> Answer[tuple[Call, ...]]:
    """Phone.inc's answer to the query's upstream part (its lines and employee not applied)."""

    def fetch() -> tuple[Call, ...]:
        calls = client_for(company).list_calls(transcripts=False, **query.upstream())
        return tuple(listed(call) for call in calls)

    return answers.cached(company, "list", _list_identity(query), fetch, searcher=searcher)


def _list_identity(query: CallQuery) -> str:
    return repr(sorted(query.upstream().items()))


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
