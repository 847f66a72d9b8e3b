"""The callbacks board: the company's missed calls, and whether, when and by whom each was
returned, open ones first.

The page itself asks Phone.inc for two lists at most (the missed calls and the latest calls).
Missed calls older than the latest calls show apart, as being checked, and are checked against
their numbers' own lists in a request of their own, made by htmx once the page shows
(hx-trigger="load"), or by following the "check" link without JavaScript: its answer puts each
checked row where it belongs and leaves every other row where it was. The board reloads itself
after a note is saved or deleted anywhere on it (the `notesChanged` event).

With the company's call history on, the board covers a period (the last 7 days unless told,
90 days at most) of stored missed calls, complete when it shows (calls.callbacks.periods).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from calls import display, memo, phoneinc
from calls.accounts.tenancy import company_required
from calls.callbacks import periods as callback_periods
from calls.callbacks import sources as callback_sources
from calls.callbacks.board import only_open
from calls.callbacks.format import since, waited
from calls.callbacks.forms import ALL, DEFAULT_PERIOD, DEFAULT_SHOW, SHOW, CallbackFilterForm
from calls.pages import render_page
from calls.phoneinc import MAX_LIMIT, PhoneIncError
from calls.responses import fragment_for

TEMPLATE = "calls/callbacks.html"
FILTERS_ID = "callback-filters"  # the filter form: its requests push the board's address
CHECKING_ID = "checking-section"  # older missed calls, checked by a request of their own
# Each board's rows' relative times, worked out once a second (row_times).
_times: memo.Memo[tuple, tuple] = memo.Memo(
    "board times", entries=64, max_bytes=1024 * 1024, sizeof=memo.deep
)


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
@company_required
def callbacks_board(request: HttpRequest, company) -> HttpResponse:
    data = board_data(request, company)
    form = filter_form(request, company, data)
    fragment = fragment_for(request, "board", CHECKING_ID)
    context = {
        "company": company,
        "form": form,
        "fragment": fragment,
        "limit": MAX_LIMIT,
        "show_choices": SHOW,
        "show": DEFAULT_SHOW,
        "lines": (),
    }
    status = 200
    asked = bool(data)  # nothing asked: the defaults, without building the form
    if asked and not form.is_valid():
        status = 400
    else:
        show, line, check = (
            (form.show_value, form.line_value, form.check_value)
            if asked
            else (DEFAULT_SHOW, None, False)
        )
        period = form.period if asked else None
        when = period.params() if period else ({"period": ""} if company.keeps_history else {})
        query = board_query(show, line, request.embedded, when=when)
        context.update(
            show=show,
            line=line,
            period=period,
            board_url=reverse("calls:callbacks") + (f"?{query}" if query else ""),
            check_query=board_query(show, line, request.embedded, check=True, when=when),
        )
        try:
            if period is not None:
                loaded = callback_periods.load(company, request.scope, period, line=line)
            else:
                loaded = callback_sources.load(
                    company,
                    request.scope,
                    line=line,
                    check=fragment is not None or check,
                )
        except PhoneIncError as error:
            context["error"], status = error, error.status
            # A refused key or a wrong API URL needs an administrator, not another click.
            context["can_retry"] = not error.is_final
        else:
            lines = loaded.lines
            if line and line not in dict(lines):  # a line with no missed call in the window
                lines = (*lines, (line, line))
            context.update(
                loaded=loaded,
                board=loaded.board if show == ALL else only_open(loaded.board),
                lines=lines,
                figures=loaded.figures or callback_periods.figures(loaded.board),
            )
            context["shown"] = callback_periods.shown(context["board"], context["figures"])
    version = None
    if not fragment and status == 200 and "loaded" in context:
        version = page_version(request, company, context)
    partial = {"board": "board", CHECKING_ID: "checked"}.get(fragment or "")
    template = f"{TEMPLATE}#{partial}" if partial else TEMPLATE
    response = render_page(request, template, context, version=version, status=status)
    error = context.get("error")
    if isinstance(error, phoneinc.RateLimited):
        response["Retry-After"] = str(error.retry_after)
    if fragment and request.headers.get("HX-Trigger") == FILTERS_ID and "board_url" in context:
        response["HX-Push-Url"] = context["board_url"]  # a filtered board is shareable
    return response


def board_data(request: HttpRequest, company):
    """The board's parameters as asked; with the company's history on, the last 7 days unless
    a period is asked (an empty `period=` is "Latest": Phone.inc's newest calls)."""
    data = request.GET
    asked = any(name in data for name in ("period", "from", "to"))
    if company.keeps_history and not asked:
        data = data.copy()
        data["period"] = DEFAULT_PERIOD
    return data


def filter_form(request: HttpRequest, company, data) -> CallbackFilterForm:
    """The board's filters as asked; when nothing is asked (the board as linked from the
    navigation), the defaults, and the form built only if the page is rendered."""
    kwargs = {"region": company.region, "scope": request.scope, "company": company}
    if data:
        return CallbackFilterForm(data, **kwargs)
    return SimpleLazyObject(lambda: CallbackFilterForm(None, **kwargs))  # type: ignore[return-value]


def page_version(request: HttpRequest, company, context: dict) -> tuple | None:
    """Everything the page shows besides the layout, for calls.pages: the board by the versions
    it was built from (company, lines, when each list was fetched, the notes version), what is
    shown of it, the company's name and zone, the embedded switch, the member (their own notes
    have a Delete button) and each row's relative times, worked out afresh each second; None
    (rendered as usual) for a board shown from an old or a failed answer."""
    loaded = context["loaded"]
    if loaded.stale is not None or loaded.recent_error is not None:
        return None
    times = row_times(loaded, context["shown"], context["show"])
    return (
        "calls:callbacks",
        company.name,
        company.timezone,
        loaded.version,
        request.user.pk,
        request.embedded,
        context["show"],
        times,
        since(loaded.since),
    )


def row_times(loaded, shown: dict, show: str) -> tuple:
    """Each shown row's relative time and wait, worked out once a second for each board: the
    times read in minutes, and a busy board is viewed many times a second (working out 100
    rows' times took a third of a kept page's time)."""
    now = timezone.now().replace(microsecond=0)
    zone = timezone.get_current_timezone()
    key = (loaded.version, show, str(zone), now)
    times = _times.get(key)
    if times is None:
        rows = (*shown["open_rows"], *shown["handled_rows"], *loaded.board.checking_rows)
        times = _times.put(
            key,
            tuple(
                (
                    display.relative(row.first.started_at, now, zone),
                    waited(row.first.started_at, now),
                )
                for row in rows
            ),
        )
    return times


def forget() -> None:
    """Drop every kept row time (for tests, whose rolled-back databases hand ids out again)."""
    _times.clear()


def board_query(
    show: str, line: str | None, embedded: bool, *, check: bool = False, when: dict | None = None
) -> str:
    """The board's query string as a shareable link holds it: no defaults but the period's
    (an empty `period=` keeps "Latest" on a company whose default is the last 7 days)."""
    period = urlencode(when or {})
    params = {
        "show": show if show != DEFAULT_SHOW else "",
        "line": line or "",
        "check": "1" if check else "",
        "embed": "1" if embedded else "",
    }
    rest = urlencode({name: value for name, value in params.items() if value})
    return "&".join(part for part in (period, rest) if part)
