"""One call: its page and the fragments that refresh it (the call, the transcript, other calls),
and its transcript as a text file."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from calls import audit, phoneinc
from calls.accounts.scope import EVERYTHING, Scope
from calls.accounts.tenancy import company_required, content_forbidden
from calls.call_detail import transcript
from calls.models import AuditEvent
from calls.numbers import to_e164
from calls.phoneinc import MAX_LIMIT, PhoneIncError
from calls.responses import fragment_for, render_error
from calls.sources import CallQuery, call_source, source_for
from calls.sources.window import first_seen

# While a call is live the page polls quickly; once it has ended it keeps polling slowly for
# the summary and transcript, for at most this long after the call ended.
LIVE_POLL_SECONDS = 2
PENDING_POLL_SECONDS = 10
PENDING_POLL_WINDOW = 5 * 60


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
@company_required
def call_detail(request: HttpRequest, company, call_id: str) -> HttpResponse:
    scope = request.scope
    fragment = fragment_for(request, "call", "transcript", "related")
    if fragment == "transcript" and not scope.content:  # the transcript search
        return content_forbidden(request)
    try:
        answer = call_source(company).call(call_id)
    except PhoneIncError as error:
        return render_detail_error(request, error)
    call = answer.value
    if not scope.sees(call):  # another line's call reads exactly like another company's
        return render_detail_error(request, phoneinc.NotFound())
    if fragment == "related":
        # Asked for by the page once shown: the page itself never waits for a second
        # Phone.inc answer (each request has one budget), and shows the call sooner.
        related = related_calls(company, call, scope)
        context = {"company": company, "call": call, "related": related}
        return render(request, "calls/call_detail.html#related", context)
    query = request.GET.get("q", "")
    now = clock()
    context = {
        "company": company,
        "call": call,
        # Our links use the id from our own URL (already validated), whatever Phone.inc echoes.
        "call_id": call_id,
        "answer": answer,
        "content": scope.content,
        "transcript": transcript.build(call, query) if scope.content else None,
        # A live call's timers tick on every poll, even while the call itself comes from the cache.
        "live_for": seconds_since(call.started_at, now) if call.is_live else None,
        "talking_for": seconds_since(call.answered_at, now) if call.is_live else None,
        "poll_seconds": poll_seconds(
            call, now, lambda: first_seen(company, "waiting", call_id, now)
        ),
    }
    if fragment:
        return render(request, f"calls/call_detail.html#{fragment}", context)
    context["related_pending"] = True
    return render(request, "calls/call_detail.html", context)


def clock() -> float:
    """This server's time; a function so that tests can move it."""
    return time.time()


def poll_seconds(call: phoneinc.Call, now: float, waiting_since: Callable[[], float]) -> int | None:
    """How often the detail page should refresh itself, or None to stop.

    Every 2 s while the call is live. Once it has ended, every 10 s while the summary or the
    transcript is still to come, for at most PENDING_POLL_WINDOW after the call ended. The end
    comes from the call's own timestamps, which are Phone.inc's clock: when that clock runs
    ahead of ours (the simulator's does, after advance()) the call seems to end in our future,
    so the window is also counted from when we first saw the call waiting (`waiting_since`,
    asked only when needed). Whichever is older stops polling: a page never polls for ever.
    """
    if call.is_live:
        return LIVE_POLL_SECONDS
    if call.summary and (call.segments or call.transcription):
        return None
    ended = ended_at(call)
    if ended is not None and now - ended >= PENDING_POLL_WINDOW:
        return None
    if now - waiting_since() >= PENDING_POLL_WINDOW:
        return None
    return PENDING_POLL_SECONDS


def ended_at(call: phoneinc.Call) -> float | None:
    """When the call ended by its own timestamps (duration counts from the answer), or None."""
    start = call.answered_at or call.started_at
    if start is None:
        return None
    return start.timestamp() + (call.duration or 0)


def seconds_since(moment: datetime | None, now: float) -> int | None:
    """Whole seconds from `moment` to now (never negative: Phone.inc's clock may run ahead)."""
    if moment is None:
        return None
    return max(0, int(now - moment.timestamp()))


RELATED_LIMIT = 6


def related_calls(
    company, call: phoneinc.Call, scope: Scope = EVERYTHING
) -> list[phoneinc.Call] | None:
    """Recent calls with the same remote party on the member's lines; None when it is
    withheld or unavailable. A limited member's are looked for among the most Phone.inc
    gives at once, since the others' lines take their share of any window."""
    if call.is_withheld:
        return None
    limit = MAX_LIMIT if scope.is_limited else RELATED_LIMIT + 1
    try:
        number = to_e164(call.remote_number, company.region)  # the filter takes E.164 only
        query = CallQuery(phone_number=number, limit=limit, lines=scope.lines)
        listing = source_for(company, query).list(query)
    except (PhoneIncError, ValueError):
        return None
    others = (other for other in listing.calls if other.id != call.id and other.has_valid_id)
    return list(others)[:RELATED_LIMIT]


@require_GET
@never_cache
@company_required
def call_transcript_text(request: HttpRequest, company, call_id: str) -> HttpResponse:
    if not request.scope.content:
        return content_forbidden(request)
    try:
        call = call_source(company).call(call_id).value
    except PhoneIncError as error:
        return render_error(request, error)
    if not request.scope.sees(call):
        return render_error(request, phoneinc.NotFound())
    if not call.segments and not call.transcription:
        return render_error(request, phoneinc.NotFound("This call has no transcript yet."))
    audit.record(request, AuditEvent.TRANSCRIPT_DOWNLOADED, call_id=call_id)
    response = HttpResponse(transcript.as_text(call), content_type="text/plain; charset=utf-8")
    # The file is named after our validated id: Phone.inc's text never goes into a header.
    response["Content-Disposition"] = f'attachment; filename="call-{call_id}-transcript.txt"'
    return response


def render_detail_error(request: HttpRequest, error: PhoneIncError) -> HttpResponse:
    """A failure on the call page; the parts of it that update themselves keep what they show.

    When trying again may help (Phone.inc slow, down, rate limiting, garbled), a poll of the
    call answers 204, which htmx does not swap, so the call stays and the poll tries again. A
    call that is gone or a key Phone.inc refuses still replaces the call with the message and
    stops the polling: polling would only ask Phone.inc the same every 2 s. The load of other
    calls answers 204 too (its placeholder keeps its link), and a transcript search says so
    inside the transcript, which stays.
    """
    fragment = fragment_for(request, "call", "related", "transcript")
    may_pass = not error.is_final
    if fragment == "related" or (fragment == "call" and may_pass):
        return HttpResponse(status=204)
    if fragment != "transcript":
        return render_error(request, error)
    response = render(
        request, "calls/call_detail.html#transcript_notice", {"error": error}, status=error.status
    )
    response["HX-Retarget"] = "#transcript-notice"
    response["HX-Reswap"] = "innerHTML"
    response["HX-Push-Url"] = "false"  # the address still names the search shown
    return response
