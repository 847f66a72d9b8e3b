"""The call list: the filter form, the results fragment htmx swaps, and the address it pushes."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import get_script_prefix
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from calls import display, phoneinc, services
from calls.forms import CallFilterForm, read_filters
from calls.pages import render_page
from calls.phoneinc import MAX_LIMIT, PhoneIncError
from calls.scope import Line, Scope, lines_seen, named_lines
from calls.stats import summarize
from calls.templatetags.memoised_content import ContentKey
from calls.tenancy import company_required
from calls.views.responses import fragment_for
from phonedash.urlquery import query_of


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return redirect("calls:list")


@require_GET
# HX-Current-URL: whether the new address is pushed or replaces the one being typed over.
@vary_on_headers("HX-Request", "HX-Target", "HX-Current-URL")
@company_required
def call_list(request: HttpRequest, company) -> HttpResponse:
    form, filters = read_filters(CallFilterForm, request.GET, company.region)
    context = {"form": form, "company": company}
    status = 200
    if filters is not None:
        context["filters"] = filters
        try:
            answer = services.list_calls(company, filters, searcher=request.user.pk)
        except PhoneIncError as error:
            context["error"], status = error, error.status
            # A refused key or a wrong API URL needs an administrator, not another click.
            context["can_retry"] = not isinstance(error, phoneinc.InvalidKey | phoneinc.NotFound)
        else:
            # Phone.inc has no line filter: the company's window, then the member's lines in it.
            window, calls = answer.value, request.scope.visible(answer.value)
            context.update(
                answer=answer,
                window=window,
                calls=calls,
                scope_lines=scope_lines(request.scope, window, company.region),
                # Worked out only if the content is rendered, not when it is memoised.
                stats=SimpleLazyObject(lambda: summarize(calls)),
                capped=len(window) >= MAX_LIMIT,
                more_query=more_query(filters, request.embedded)
                if filters.limit < MAX_LIMIT and len(window) >= filters.limit
                else None,
            )
    else:
        status = 400
    fragment = context["fragment"] = fragment_for(request, "results")
    if not fragment and status == 200 and "calls" in context and not answer.is_stale:
        context["content_key"] = content_key(request, company, answer.value, context["calls"])
    template = f"calls/call_list.html#{fragment}" if fragment else "calls/call_list.html"
    response = render_page(request, template, context, status=status)
    if "error" in context and isinstance(context["error"], phoneinc.RateLimited):
        response["Retry-After"] = str(context["error"].retry_after)
    if fragment:
        header, url = history_update(request)
        response[header] = url
    return response


def content_key(request: HttpRequest, company, window, calls) -> ContentKey:
    """Everything the page's main content shows, for {% memoised_content %}: the company's
    answer (by identity) seen through the member's scope, the company's name, zone and region,
    the filters as asked (the form's data), the embedded switch, and each row's relative start
    time, worked out afresh on every view so that the content never goes stale."""
    now, zone = timezone.now(), timezone.get_current_timezone()
    labels = tuple(display.relative(call.started_at, now, zone) for call in calls)
    parts = (
        "calls:list",
        company.pk,
        company.name,
        company.timezone,
        company.region,
        request.scope,
        request.embedded,
        tuple(sorted(request.GET.items())),
        get_script_prefix(),
        id(window),
        labels,
    )
    return ContentKey(parts, window)


def scope_lines(scope: Scope, window, region: str) -> list[Line] | None:
    """The lines a limited member sees, named as the window's calls name them; None: all."""
    if not scope.is_limited:
        return None
    return named_lines(sorted(scope.lines), lines_seen(window, region))


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
