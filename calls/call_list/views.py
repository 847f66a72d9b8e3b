"""The call list: the filter form, the results fragment htmx swaps, and the address it pushes."""

from __future__ import annotations

import functools
from collections.abc import Callable
from urllib.parse import parse_qs, urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from calls import display, phoneinc
from calls.accounts.scope import Line, Scope, lines_seen, named_lines
from calls.accounts.tenancy import company_required
from calls.filters import periods
from calls.filters.forms import PERIOD_DEFAULT_LIMIT, CallFilterForm, read_query
from calls.pages import render_page
from calls.phoneinc import DEFAULT_LIMIT, MAX_LIMIT, PhoneIncError
from calls.responses import fragment_for
from calls.sources import CallQuery, source_for
from calls.sources.stats import summarize
from phonedash.urlquery import query_of


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return redirect("calls:list")


@require_GET
# HX-Current-URL: whether the new address is pushed or replaces the one being typed over.
@vary_on_headers("HX-Request", "HX-Target", "HX-Current-URL")
@company_required
def call_list(request: HttpRequest, company) -> HttpResponse:
    form, query = read_query(CallFilterForm, request.GET, company, lines=request.scope.lines)
    context = {"form": form, "company": company}
    status = 200
    version = fill = None
    if query is not None:
        context["query"] = query
        context["period"] = form.period
        try:
            source = source_for(company, query)
            listing = source.list(query, searcher=request.user.pk)
        except PhoneIncError as error:
            context["error"], status = error, error.status
            context["can_retry"] = not error.is_final
        else:
            calls = listing.calls
            labels = relative_starts(calls)
            context.update(answer=listing.answer, calls=calls)
            context["rows"] = list(zip(calls, labels, strict=True))
            context["filters_query"] = urlencode(link_params(form, request.embedded))
            if form.period is not None:
                context.update(period_context(request, form, query, listing))
                fill = functools.partial(period_summary, source, query)
            else:
                window = listing.window
                context.update(
                    window=window,
                    scope_lines=scope_lines(request.scope, window, company.region),
                    capped=len(window) >= MAX_LIMIT,
                    more_query=more_query(form, request.embedded)
                    if query.limit < MAX_LIMIT and len(window) >= query.limit
                    else None,
                )
                # The summary strip is worked out only when the page is rendered, not kept.
                fill = functools.partial(summary_strip, calls)
            if form.period is not None:  # the history as it stood, for the days asked
                read = periods.read_at(company, form.period)
                version = page_version(request, company, read, labels)
            elif not listing.is_stale:
                version = page_version(request, company, listing.answer.fetched_at, labels)
    else:
        status = 400
    fragment = context["fragment"] = fragment_for(request, "results")
    template = f"calls/call_list.html#{fragment}" if fragment else "calls/call_list.html"
    version = None if fragment else version
    response = render_page(request, template, context, version=version, fill=fill, status=status)
    if "error" in context and isinstance(context["error"], phoneinc.RateLimited):
        response["Retry-After"] = str(context["error"].retry_after)
    if fragment:
        header, url = history_update(request)
        response[header] = url
    return response


def link_params(form: CallFilterForm, embedded: bool) -> dict[str, str]:
    params = form.link_params()
    if embedded:
        params["embed"] = "1"
    return params


def period_context(request: HttpRequest, form: CallFilterForm, query: CallQuery, listing) -> dict:
    """What a page of a period shows besides its rows: how many calls match, the links to
    older and to the newest calls, and the gaps the period overlaps."""
    params = link_params(form, request.embedded)
    if query.limit != PERIOD_DEFAULT_LIMIT:
        params["limit"] = str(query.limit)
    return {
        "total": listing.total,
        "gaps": listing.gaps,
        "older_query": urlencode({**params, "before": listing.older}) if listing.older else None,
        "newest_query": urlencode(params) if query.cursor else None,
        "scope_limited": request.scope.is_limited,
    }


def period_summary(source, query: CallQuery) -> dict:
    return {"stats": source.summary(query)}


def summary_strip(calls) -> dict:
    return {"stats": summarize(calls)}


def relative_starts(calls) -> tuple[str, ...]:
    """Each call's start as the row reads it ("5 min ago"), in the company's zone."""
    now, zone = timezone.now(), timezone.get_current_timezone()
    return tuple(display.relative(call.started_at, now, zone) for call in calls)


def page_version(request: HttpRequest, company, fetched_at, labels: tuple) -> tuple:
    """Everything the page shows besides the layout, for calls.pages: the company's answer by
    when it was fetched (or the history it was read from), the company's name, zone, region
    and history level, the member's scope, the query as asked, the embedded switch and each row's
    relative start time."""
    return (
        "calls:list",
        company.pk,
        company.name,
        company.timezone,
        company.region,
        company.history,  # the When control shows only with the history on
        request.scope,
        request.embedded,
        tuple(sorted(request.GET.items())),
        fetched_at,
        labels,
    )


def scope_lines(scope: Scope, window, region: str) -> list[Line] | None:
    """The lines a limited member sees, named as the window's calls name them; None: all."""
    if not scope.is_limited:
        return None
    return named_lines(sorted(scope.lines), lines_seen(window, region))


LIST_PARAMS = (
    "period",
    "from",
    "to",
    "phone_number",
    "direction",
    "state",
    "line",
    "employee",
    "limit",
    "before",
    "embed",
)


def list_query(get: Callable[[str], str]) -> dict[str, str]:
    """The list's parameters as a shareable link holds them: no empty ones, no default limit."""
    params = {name: get(name).strip() for name in LIST_PARAMS}
    dated = params["period"] or params["from"] or params["to"]
    if params["limit"] == str(PERIOD_DEFAULT_LIMIT if dated else DEFAULT_LIMIT):
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


def more_query(form: CallFilterForm, embedded: bool) -> str:
    """The query string of the same list with the most calls Phone.inc gives."""
    return urlencode({**link_params(form, embedded), "limit": MAX_LIMIT})
