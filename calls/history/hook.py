"""POST /hooks/phoneinc/<token>/: Phone.inc's webhook names a call, and phonedash fetches it.

Phone.inc's reference tells customers to fetch a call by id when a webhook names it; a company
that keeps a history points its webhook here. The token in the path is the only credential (no
session, no CSRF): it is found by its digest and compared in constant time
(calls.history.tokens). The body is never believed: it only names a call, which phonedash
fetches from Phone.inc with the company's key and stores as Phone.inc says it is
(calls.history.store, where the latest fetch wins).

Every answer is a small JSON object. The checks run in this order, so that a stranger learns
nothing from the body checks, and a bad request costs no write and no Phone.inc request:

- 405 `method_not_allowed`, with `Allow: POST`, for any other method;
- 404 `not_found` for an unknown token and for a company whose history is off alike: one
  lookup either way, the body left unread, the same bytes;
- 413 `too_large` over MAX_BODY_BYTES: a Content-Length is checked before anything is read; a
  body without one is read (at most one byte past the limit) only when the server says its
  input ends, as gunicorn does for a chunked body, and is empty otherwise, as Django reads it;
- 400 `bad_request`, with an `error` a person can read, for a body that is not a JSON object or
  names no valid call id. The id is `call_id`, else `data.id`, else `id` (an event envelope's
  own `id` yields to the call it carries); the first one present must be a Phone.inc id
  (phoneinc.is_valid_call_id), checked before anything is written or asked;
- 429 `rate_limited`, with `retry_after` and `Retry-After`, past NUDGES_PER_WINDOW accepted
  nudges in any WINDOW: the seconds until the oldest nudge counted leaves the window;
- 202 `accepted` otherwise, whatever Phone.inc then says.

The rate limit is exact across gunicorn workers and hosts: each accepted nudge is a HookNudge
row, counted in the database inside a transaction that first updates the company's SyncState
row. That update serialises the company's nudges (the row lock on PostgreSQL, the write lock on
SQLite) and nobody else's; the time a nudge is counted at is read once it holds the lock. The
row is committed before Phone.inc is asked, so a slow Phone.inc holds no lock.

The call is then fetched within FETCH_SECONDS, retries included, and stored, its nudge marked
fetched, in one transaction. When Phone.inc fails or is slow the nudge stays unfetched and
SyncState.nudges grows by one, so that the sync worker's next pass fetches it
(calls.history.sync); the answer is still 202, since the nudge was taken. A call Phone.inc
does not have (its 404) is a 202 too, nothing stored and the nudge marked fetched: a webhook
retries what it is refused, and asking again cannot make the call exist. A company whose history
was turned off while its call was being fetched stores nothing.

Fetched nudges are deleted by the sync worker's retention two minutes on; unfetched ones are
marked fetched by the pass that takes them up, and go the same way.

The token is in the path: the site's request log masks it (`/hooks/phoneinc/…/`) and stands in
for Django's own line about a 4xx answer, which would print the path whole
(phonedash.requestlog). This module logs company ids only, never a call id or a token.
"""

from __future__ import annotations

import json
import logging
import math
from datetime import timedelta
from typing import BinaryIO

from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from calls import phoneinc
from calls.history import store, worker
from calls.history.tokens import company_for
from calls.models import Company, HookNudge, SyncState
from calls.sources.window import client_for

log = logging.getLogger("phonedash.hook")

MAX_BODY_BYTES = 16_384
NUDGES_PER_WINDOW = 600  # accepted per company in any WINDOW
WINDOW = timedelta(seconds=60)
FETCH_SECONDS = 2.0  # Phone.inc's share of a nudge, retries included; the next pass waits after

NOT_JSON = "The body is not a JSON object."
NO_CALL_ID = 'The body names no call: send its id as "id", "call_id" or "data.id".'
BAD_CALL_ID = (
    '"{key}" is not a Phone.inc call id: 1 to 64 letters, digits, hyphens or underscores, '
    "beginning with a letter or a digit."
)


class BadBody(Exception):
    """The body is not JSON or names no valid call id; the message says which, to the sender."""


class OverLimit(Exception):
    """The company had NUDGES_PER_WINDOW nudges accepted in the last WINDOW."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"over {NUDGES_PER_WINDOW} nudges; retry in {retry_after} s")


@csrf_exempt
@login_not_required
def nudge(request: HttpRequest, token: str) -> JsonResponse:
    """Take a nudge about one call, fetch that call from Phone.inc and store it."""
    if request.method != "POST":
        response = _answer(405, status="method_not_allowed")
        response["Allow"] = "POST"
        return response
    company = company_for(token)
    if company is None or not company.keeps_history:
        return _answer(404, status="not_found")
    body = _body(request)
    if body is None:
        return _answer(413, status="too_large")
    try:
        call_id = named_call_id(body)
    except BadBody as error:
        return _answer(400, status="bad_request", error=str(error))
    try:
        accepted = _accept(company, call_id)
    except OverLimit as over:
        response = _answer(429, status="rate_limited", retry_after=over.retry_after)
        response["Retry-After"] = str(over.retry_after)
        return response
    _fetch(company, accepted)
    return _answer(202, status="accepted")


def _answer(code: int, /, **body: object) -> JsonResponse:
    return JsonResponse(body, status=code)


def _body(request: HttpRequest) -> bytes | None:
    """The body, or None when it is over MAX_BODY_BYTES (what is past the limit left unread)."""
    declared = request.META.get("CONTENT_LENGTH")
    if declared:
        try:
            if int(declared) > MAX_BODY_BYTES:
                return None
        except ValueError:
            pass  # Django reads such a body as empty, and so does this
        body = request.read(MAX_BODY_BYTES + 1)
    elif request.META.get("wsgi.input_terminated"):
        body = _read_at_most(request.META["wsgi.input"], MAX_BODY_BYTES + 1)
    else:
        body = b""
    return None if len(body) > MAX_BODY_BYTES else body


def _read_at_most(stream: BinaryIO, limit: int) -> bytes:
    chunks, size = [], 0
    while size < limit:
        chunk = stream.read(limit - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def named_call_id(body: bytes) -> str:
    """The call id the body names, or BadBody saying what is wrong with it."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # not UTF-8 nor JSON, or nested past the parser
        raise BadBody(NOT_JSON) from None
    if not isinstance(data, dict):
        raise BadBody(NOT_JSON)
    inner = data.get("data")
    named = (
        ("call_id", data.get("call_id")),
        ("data.id", inner.get("id") if isinstance(inner, dict) else None),
        ("id", data.get("id")),
    )
    for key, value in named:
        if value is None:
            continue
        if not phoneinc.is_valid_call_id(value):
            raise BadBody(BAD_CALL_ID.format(key=key))
        return value
    raise BadBody(NO_CALL_ID)


def _lock(company: Company) -> bool:
    """Take the company's SyncState row for the rest of the transaction; False without one."""
    return bool(SyncState.objects.filter(pk=company.pk).update(nudges=F("nudges")))


def _accept(company: Company, call_id: str) -> HookNudge:
    """The nudge, counted against the company's limit (OverLimit when it is reached)."""
    with transaction.atomic():
        if not _lock(company):
            worker.enable(company)  # history on, yet no place in the sync: make it
            _lock(company)
        now = timezone.now()
        counted = HookNudge.objects.filter(company=company, at__gt=now - WINDOW).order_by("-at")
        # The oldest of the last NUDGES_PER_WINDOW, if there are as many: once it leaves the
        # window, one more nudge fits.
        nth = NUDGES_PER_WINDOW - 1
        oldest = list(counted.values_list("at", flat=True)[nth : nth + 1])
        if oldest:
            raise OverLimit(max(1, math.ceil((oldest[0] + WINDOW - now).total_seconds())))
        return HookNudge.objects.create(company=company, call_id=call_id, at=now)


def _fetch(company: Company, accepted: HookNudge) -> None:
    """Fetch the nudged call and store it; what cannot be fetched now waits for the next pass."""
    try:
        client = client_for(company, total_timeout=FETCH_SECONDS)
        with phoneinc.request_deadline(FETCH_SECONDS):
            call = client.get_call(accepted.call_id)
    except phoneinc.NotFound:
        HookNudge.objects.filter(pk=accepted.pk).update(fetched=True)
        return
    except phoneinc.PhoneIncError as error:
        log.info("company %s: a nudged call waits for the next pass: %s", company.pk, error.title)
        SyncState.objects.filter(pk=company.pk).update(nudges=F("nudges") + 1)
        return
    fetched_at = timezone.now()
    with transaction.atomic():
        if not _lock(company):
            return  # the history was turned off meanwhile, and its calls deleted
        level = Company.objects.filter(pk=company.pk).values_list("history", flat=True).first()
        if level in Company.KEEPING:
            company.history = level  # as it is now, should it have changed meanwhile
            store.store(company, [call], fetched_at)
        HookNudge.objects.filter(pk=accepted.pk).update(fetched=True)
