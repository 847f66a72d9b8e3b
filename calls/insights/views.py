"""Insights: per-employee and per-line figures and a chart, over the calls the list would show.

Same filters as the list (50 calls unless told otherwise: figures want the widest window
Phone.inc gives), same answer from the cache, the member's scope applied before anything is
counted. The employee table sorts by any column with plain links (`?sort=…&order=…`); htmx
swaps only the table. An unknown sort or order is a 400 with a message, like a bad filter.
"""

from __future__ import annotations

import functools
from urllib.parse import parse_qsl, urlencode

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from calls import phoneinc
from calls.accounts.tenancy import company_required
from calls.filters import periods
from calls.filters.forms import CallFilterForm, read_query
from calls.insights import chart
from calls.insights import figures as insights
from calls.insights import periods as period_figures_of
from calls.pages import render_page
from calls.phoneinc import MAX_LIMIT, PhoneIncError
from calls.responses import fragment_for
from calls.sources import History, source_for
from phonedash.urlquery import query_of

DEFAULT_PERIOD = "7d"  # with the history on: what insights count unless told
COLUMNS = (  # the employee table's headers: ?sort= name, heading, numeric
    ("name", "Employee", False),
    ("calls", "Calls", True),
    ("inbound", "Inbound", True),
    ("outbound", "Outbound", True),
    ("answered", "Answered", True),
    ("talk_total", "Talk time", True),
    ("talk_average", "Average talk", True),
    ("word_share", "Share of words", True),
)


class InsightsFilterForm(CallFilterForm):
    """The list's filter form, for the most calls Phone.inc gives unless a limit is chosen;
    with the company's history on, over the last 7 days unless a period is chosen (an empty
    `period=` is "Latest": Phone.inc's newest calls)."""

    def __init__(self, data=None, *, company=None, **kwargs) -> None:
        data = data.copy() if data is not None else {}
        asked = any(name in data for name in ("period", "from", "to"))
        if company is not None and company.keeps_history and not asked:
            data["period"] = DEFAULT_PERIOD
        if not str(data.get("limit") or "").strip():
            data["limit"] = str(MAX_LIMIT)
        super().__init__(data, company=company, initial={"limit": MAX_LIMIT}, **kwargs)

    default_limit = MAX_LIMIT


def sort_of(request: HttpRequest) -> tuple[str, str, str | None]:
    """The employee table's column and order, and a message when the address asks for one
    there is not."""
    sort = request.GET.get("sort", "").strip() or insights.DEFAULT_SORT
    if sort not in insights.EMPLOYEE_SORTS:
        names = ", ".join(insights.EMPLOYEE_SORTS)
        message = f"The employee table cannot be sorted by “{sort[:40]}”. Sort by one of: {names}."
        return insights.DEFAULT_SORT, insights.EMPLOYEE_SORTS[insights.DEFAULT_SORT], message
    order = request.GET.get("order", "").strip() or insights.EMPLOYEE_SORTS[sort]
    if order not in insights.ORDERS:
        message = f"The order “{order[:40]}” is not one we know: use asc or desc."
        return sort, insights.EMPLOYEE_SORTS[sort], message
    return sort, order, None


@require_GET
# HX-Current-URL: whether the new address is pushed or replaces the one being typed over.
@vary_on_headers("HX-Request", "HX-Target", "HX-Current-URL")
@company_required
def call_insights(request: HttpRequest, company) -> HttpResponse:
    form, query = read_query(InsightsFilterForm, request.GET, company, lines=request.scope.lines)
    sort, order, sort_error = sort_of(request)
    context = {"form": form, "company": company, "sort": sort, "order": order}
    context["sort_error"] = sort_error
    status = 200 if query is not None and sort_error is None else 400
    fragment = context["fragment"] = fragment_for(request, "results", "employees")
    version = fill = None
    if status == 200:
        context.update(query=query, **page_query(request, form, sort, order))
        context["sort_caption"] = sort_caption(sort, order)
        context["period"] = form.period
        try:
            listing = None if form.period else source_for(company, query).list(query)
        except PhoneIncError as error:
            context["error"], status = error, error.status
            context["can_retry"] = not error.is_final
        else:
            # Counted only when the page is rendered, not when it is served kept.
            count = figures if listing is not None else period_figures
            fill = functools.partial(
                count, request, company, listing or form, sort, order, context["filters_query"]
            )
            if fragment:
                context.update(fill())
                fill = None
            else:
                version = page_version(request, company, listing or form, sort, order)
    retarget = fragment == "employees" and "employees" not in context
    if retarget:  # a message instead of the table: it goes where the page shows messages
        fragment = context["fragment"] = "results"
    template = f"calls/insights.html#{fragment}" if fragment else "calls/insights.html"
    response = render_page(request, template, context, version=version, fill=fill, status=status)
    if isinstance(context.get("error"), phoneinc.RateLimited):
        response["Retry-After"] = str(context["error"].retry_after)
    if retarget:
        response["HX-Retarget"], response["HX-Reswap"] = "#results", "outerHTML"
    if fragment and "page_url" in context:
        response[history_header(request, context["page_url"])] = context["page_url"]
    return response


def page_version(request: HttpRequest, company, listing, sort: str, order: str) -> tuple | None:
    """Everything the page shows besides the layout, for calls.pages: the company's answer by
    when it was fetched (or, for a period, the history it is counted from: `listing` is then
    the filter form), the member's scope, the company's name, zone, region and history
    level, the query and sort as asked, the embedded switch, and today's date in the
    company's zone (start times within the last week read as weekdays); None for an old
    answer."""
    if isinstance(listing, CallFilterForm):
        read = periods.read_at(company, listing.period)
    elif listing.is_stale:
        return None
    else:
        read = listing.answer.fetched_at
    today = timezone.localdate(timezone.now(), company.zone)
    return (
        "calls:insights",
        company.pk,
        company.name,
        company.timezone,
        company.region,
        company.history,  # the When control shows only with the history on
        request.scope,
        request.embedded,
        tuple(sorted(request.GET.items())),
        sort,
        order,
        read,
        today,
    )


def history_header(request: HttpRequest, url: str) -> str:
    """Push the new address as a step of history, or replace the current one while a number
    is being typed (each keystroke searches), so that Back skips the half-typed ones."""
    was = dict(parse_qsl(query_of(request.headers.get("HX-Current-URL", ""))))
    now = dict(parse_qsl(query_of(url)))
    typed, typing = was.pop("phone_number", ""), now.pop("phone_number", "")
    if typed and typing and (typing.startswith(typed) or typed.startswith(typing)) and was == now:
        return "HX-Replace-Url"
    return "HX-Push-Url"


def figures(request: HttpRequest, company, listing, sort: str, order: str, filters_query: str):
    window_calls, calls = listing.window, listing.calls
    words = request.scope.content and any(call.segments for call in calls)
    employees = insights.per_employee(calls, words=words)
    lines = insights.per_line(calls)
    has_word_share = any(row.word_share is not None for row in employees)
    columns = header_links(filters_query, sort, order)
    return {
        "answer": listing.answer,
        "calls": calls,
        "count": len(calls),
        "company_window": len(window_calls),
        "limited": request.scope.is_limited,
        "capped": len(window_calls) >= MAX_LIMIT,
        "window": insights.window(calls),
        "employees": insights.sort_employees(employees, sort, order),
        "has_word_share": has_word_share,
        "may_read": request.scope.content,
        "lines": lines,
        "chart": chart.build(calls, company.zone),
        "top_employee": insights.busiest_employee(employees),
        "top_missing": insights.most_missing_line(lines),
        "columns": [c for c in columns if has_word_share or c["name"] != "word_share"],
    }


def period_figures(request: HttpRequest, company, form, sort, order, filters_query: str) -> dict:
    """The figures of a period of the history, counted by the database (calls.insights.periods)."""
    query, period = form.query(lines=request.scope.lines), form.period
    found = period_figures_of.counted(company, query, period, words=request.scope.content)
    tallies = found.tallies
    employees = insights.employees_of(tallies, words=request.scope.content)
    lines = insights.lines_of(tallies)
    has_word_share = any(row.word_share is not None for row in employees)
    total = tallies.total()
    return {
        "count": total.calls,
        "limited": request.scope.is_limited,
        "headlines": period_figures_of.headlines(company, query, period, total),
        "gaps": History(company).gaps(query),
        "employees": insights.sort_employees(employees, sort, order),
        "has_word_share": has_word_share,
        "may_read": request.scope.content,
        "lines": lines,
        "chart": found.chart,
        "top_employee": insights.busiest_employee(employees),
        "top_missing": insights.most_missing_line(lines),
        "columns": [
            c
            for c in header_links(filters_query, sort, order)
            if has_word_share or c["name"] != "word_share"
        ],
    }


def page_query(request: HttpRequest, form: CallFilterForm, sort: str, order: str):
    """The clean address of this page (what htmx pushes), and the query of its filters that
    the sort headers, the export and the list links keep."""
    params = form.link_params()
    if request.embedded:
        params["embed"] = "1"
    shown = dict(params)
    if shown.get("limit") == str(MAX_LIMIT):
        shown.pop("limit")
    if (sort, order) != (insights.DEFAULT_SORT, insights.EMPLOYEE_SORTS[insights.DEFAULT_SORT]):
        shown.update(sort=sort, order=order)
    return {
        "filters_query": urlencode(params),
        "page_url": request.path + (f"?{urlencode(shown)}" if shown else ""),
    }


def sort_caption(sort: str, order: str) -> str:
    """How the employee table is sorted, in words, for its caption."""
    if sort == "name":
        return "by name, A to Z" if order == "asc" else "by name, Z to A"
    heading = next(heading for name, heading, _ in COLUMNS if name == sort).lower()
    return f"by {heading}, {'lowest' if order == 'asc' else 'highest'} first"


def header_links(filters_query: str, sort: str, order: str) -> list[dict]:
    """Each column heading's link: by that column in its natural order, or reversed when the
    table is already sorted by it. The aria-sort value says how it is sorted now."""
    columns = []
    for name, heading, numeric in COLUMNS:
        current = name == sort
        natural = insights.EMPLOYEE_SORTS[name]
        wanted = ("asc" if order == "desc" else "desc") if current else natural
        columns.append(
            {
                "name": name,
                "heading": heading,
                "numeric": numeric,
                "query": "&".join(
                    part
                    for part in (filters_query, urlencode({"sort": name, "order": wanted}))
                    if part
                ),
                "aria_sort": ("ascending" if order == "asc" else "descending") if current else "",
                "next_order": "ascending" if wanted == "asc" else "descending",
            }
        )
    return columns
