"""Pages: the call list, one call, its recording (health checks are in calls.health).

Each view asks calls.services for data with the user's company; Phone.inc failures arrive as
PhoneIncError values and are shown as a styled message with the error's status code.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from datetime import datetime
from urllib.parse import parse_qs, urlencode, urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from calls import phoneinc, services, transcript
from calls.forms import MAX_LIMIT, CallFilterForm, to_e164
from calls.middleware import query_of
from calls.models import company_of
from calls.phoneinc import PhoneIncError
from calls.stats import summarize

log = logging.getLogger("phonedash.views")

# While a call is live the page polls quickly; once it has ended it keeps polling slowly for
# the summary and transcript, for at most this long after the call ended.
LIVE_POLL_SECONDS = 2
PENDING_POLL_SECONDS = 10
PENDING_POLL_WINDOW = 5 * 60


def company_required(view):
    """Pass the user's company to the view, in its time zone; no company, a page saying so."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        company = company_of(request.user)
        if company is None:
            return render(request, "calls/no_company.html", status=403)
        # override, not activate: the thread serves other companies' requests next.
        with timezone.override(company.zone):
            return view(request, company, *args, **kwargs)

    return wrapper


def fragment_for(request: HttpRequest, *targets: str) -> str | None:
    """The page fragment an htmx request asked for (by its hx-target), or None: full page."""
    htmx = request.htmx
    if not htmx or htmx.boosted or htmx.history_restore_request:
        return None
    return htmx.target if htmx.target in targets else None


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return redirect("calls:list")


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
@company_required
def call_list(request: HttpRequest, company) -> HttpResponse:
    form = CallFilterForm(request.GET or None, region=company.region)
    context = {"form": form, "company": company}
    status = 200
    if not form.is_bound or form.is_valid():
        filters = form.filters() if form.is_bound else services.CallFilters()
        context["filters"] = filters
        try:
            answer = services.list_calls(company, filters)
        except PhoneIncError as error:
            context["error"], status = error, error.status
            # A refused key or a wrong API URL needs an administrator, not another click.
            context["can_retry"] = not isinstance(error, phoneinc.InvalidKey | phoneinc.NotFound)
        else:
            context.update(
                answer=answer,
                calls=answer.value,
                stats=summarize(answer.value),
                capped=len(answer.value) >= MAX_LIMIT,
                more_query=more_query(filters, request.embedded)
                if filters.limit < MAX_LIMIT and len(answer.value) >= filters.limit
                else None,
            )
    else:
        status = 400
    fragment = context["fragment"] = fragment_for(request, "results")
    template = f"calls/call_list.html#{fragment}" if fragment else "calls/call_list.html"
    response = render(request, template, context, status=status)
    if "error" in context and isinstance(context["error"], phoneinc.RateLimited):
        response["Retry-After"] = str(context["error"].retry_after)
    if fragment:
        header, url = history_update(request)
        response[header] = url
    return response


LIST_PARAMS = ("phone_number", "direction", "state", "limit", "embed")


def list_query(get: Callable[[str], str]) -> dict[str, str]:
    """The list's parameters as a shareable link holds them: no empty ones, no default limit."""
    params = {name: get(name).strip() for name in LIST_PARAMS}
    if params["limit"] == "10":
        params["limit"] = ""
    if params["embed"] != "1":
        params["embed"] = ""
    return {name: value for name, value in params.items() if value}


def history_update(request: HttpRequest) -> tuple[str, str]:
    """The address htmx should show after a filter swap: the clean link, pushed as a new step;
    replaced instead while a number is being typed, so Back skips the half-typed ones."""
    wanted = list_query(lambda name: request.GET.get(name, ""))
    url = request.path + (f"?{urlencode(wanted)}" if wanted else "")
    current = parse_qs(query_of(request.headers.get("HX-Current-URL", "")))
    shown = list_query(lambda name: (current.get(name) or [""])[0])
    was, now = shown.pop("phone_number", ""), wanted.get("phone_number", "")
    others = {name: value for name, value in wanted.items() if name != "phone_number"}
    typing = was and now and (now.startswith(was) or was.startswith(now)) and shown == others
    return ("HX-Replace-Url" if typing else "HX-Push-Url"), url


def more_query(filters: services.CallFilters, embedded: bool) -> str:
    """The query string of the same list with the most calls Phone.inc gives."""
    params = {**filters.params(), "limit": MAX_LIMIT}
    if embedded:
        params["embed"] = 1
    return urlencode(params)


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
@company_required
def call_detail(request: HttpRequest, company, call_id: str) -> HttpResponse:
    try:
        answer = services.get_call(company, call_id)
    except PhoneIncError as error:
        return render_detail_error(request, error)
    call = answer.value
    fragment = fragment_for(request, "call", "transcript", "related")
    if fragment == "related":
        # Asked for by the page once shown: the page itself never waits for a second
        # Phone.inc answer (each request has one budget), and shows the call sooner.
        context = {"company": company, "call": call, "related": related_calls(company, call)}
        return render(request, "calls/call_detail.html#related", context)
    query = request.GET.get("q", "")
    now = clock()
    context = {
        "company": company,
        "call": call,
        # Our links use the id from our own URL (already validated), whatever Phone.inc echoes.
        "call_id": call_id,
        "answer": answer,
        "transcript": transcript.build(call, query),
        # A live call's timers tick on every poll, even while the call itself comes from the cache.
        "live_for": seconds_since(call.started_at, now) if call.is_live else None,
        "talking_for": seconds_since(call.answered_at, now) if call.is_live else None,
        "poll_seconds": poll_seconds(
            call, now, lambda: services.first_seen(company, "waiting", call_id, now)
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


def related_calls(company, call: phoneinc.Call) -> list[phoneinc.Call] | None:
    """Recent calls with the same remote party; None when it is withheld or unavailable."""
    if call.is_withheld:
        return None
    try:
        number = to_e164(call.remote_number, company.region)  # the filter takes E.164 only
        filters = services.CallFilters(phone_number=number, limit=RELATED_LIMIT + 1)
        answer = services.list_calls(company, filters)
    except (PhoneIncError, ValueError):
        return None
    others = (other for other in answer.value if other.id != call.id and other.has_valid_id)
    return list(others)[:RELATED_LIMIT]


@require_GET
@never_cache
@company_required
def call_transcript_text(request: HttpRequest, company, call_id: str) -> HttpResponse:
    try:
        call = services.get_call(company, call_id).value
    except PhoneIncError as error:
        return render_error(request, error)
    if not call.segments and not call.transcription:
        return render_error(request, phoneinc.NotFound("This call has no transcript yet."))
    response = HttpResponse(transcript.as_text(call), content_type="text/plain; charset=utf-8")
    # The file is named after our validated id: Phone.inc's text never goes into a header.
    response["Content-Disposition"] = f'attachment; filename="call-{call_id}-transcript.txt"'
    return response


@require_GET
@never_cache
@company_required
def call_recording(request: HttpRequest, company, call_id: str) -> HttpResponse:
    """A link to the recording minted for this request: fetched fresh, never cached."""
    try:
        call = services.get_call_fresh(company, call_id)
    except PhoneIncError as error:
        return render_error(request, error)
    url = call.recording_url
    if not url:
        message = (
            "This call has no recording yet: it appears once the call has ended."
            if call.is_live
            else "This call has no recording."
        )
        return render_error(request, phoneinc.NotFound(message))
    if not is_playable_url(url):
        return render_error(request, phoneinc.BadAnswer(detail="unusable recording_url"))
    warn_unless_csp_admits(url)
    response = HttpResponseRedirect(url)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def warn_unless_csp_admits(url: str) -> None:
    """A recording host missing from the CSP's media-src fails silently in the browser: say so."""
    parts = urlsplit(url)
    sources = settings.SECURE_CSP.get("media-src", ())
    if not {f"{parts.scheme}://{parts.netloc}", f"{parts.scheme}:", "*"} & set(sources):
        log.warning(
            "recordings come from %s://%s, which the CSP media-src does not list: browsers "
            "will refuse to play them; add it to PHONEDASH_MEDIA_ORIGINS",
            parts.scheme,
            parts.netloc,
        )


def is_playable_url(url: str) -> bool:
    """An absolute http(s) URL with nothing a Location header could be abused with."""
    if any(char.isspace() or ord(char) < 32 or ord(char) == 127 for char in url):
        return False
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False


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
    may_pass = not isinstance(error, phoneinc.NotFound | phoneinc.InvalidKey)
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


def render_error(request: HttpRequest, error: PhoneIncError) -> HttpResponse:
    template = "calls/error.html#message" if request.htmx else "calls/error.html"
    response = render(request, template, {"error": error}, status=error.status)
    if isinstance(error, phoneinc.RateLimited):
        response["Retry-After"] = str(error.retry_after)
    return response
