"""The callbacks board: the company's missed calls, and whether, when and by whom each was
returned, open ones first.

The page itself asks Phone.inc for two lists at most (the missed calls and the latest calls).
Missed calls older than the latest calls are checked against their numbers' own lists in a
request of the board's own, made by htmx once the page shows (hx-trigger="load"), or by
following the "check" link without JavaScript; the board reloads itself the same way after a
note is saved or deleted anywhere on it (the `notesChanged` event).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from calls import display, phoneinc
from calls.accounts.tenancy import company_required
from calls.callbacks import sources as callback_sources
from calls.callbacks.board import only_open
from calls.callbacks.format import since, waited
from calls.callbacks.forms import ALL, DEFAULT_SHOW, SHOW, CallbackFilterForm
from calls.pages import render_page
from calls.phoneinc import MAX_LIMIT, PhoneIncError
from calls.responses import fragment_for

TEMPLATE = "calls/callbacks.html"
FILTERS_ID = "callback-filters"  # the filter form: its requests push the board's address


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
@company_required
def callbacks_board(request: HttpRequest, company) -> HttpResponse:
    form = filter_form(request, company)
    fragment = fragment_for(request, "board")
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
    asked = bool(request.GET)  # nothing asked: the defaults, without building the form
    if asked and not form.is_valid():
        status = 400
    else:
        show, line, check = (
            (form.show_value, form.line_value, form.check_value)
            if asked
            else (DEFAULT_SHOW, None, False)
        )
        query = board_query(show, line, request.embedded)
        context.update(
            show=show,
            line=line,
            board_url=reverse("calls:callbacks") + (f"?{query}" if query else ""),
            check_query=board_query(show, line, request.embedded, check=True),
        )
        try:
            loaded = callback_sources.load(
                company,
                request.scope,
                line=line,
                check=fragment == "board" or check,
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
            )
    version = None
    if not fragment and status == 200 and "loaded" in context:
        version = page_version(request, company, context)
    template = f"{TEMPLATE}#board" if fragment else TEMPLATE
    response = render_page(request, template, context, version=version, status=status)
    error = context.get("error")
    if isinstance(error, phoneinc.RateLimited):
        response["Retry-After"] = str(error.retry_after)
    if fragment and request.headers.get("HX-Trigger") == FILTERS_ID and "board_url" in context:
        response["HX-Push-Url"] = context["board_url"]  # a filtered board is shareable
    return response


def filter_form(request: HttpRequest, company) -> CallbackFilterForm:
    """The board's filters as asked; when nothing is asked (the board as linked from the
    navigation), the defaults, and the form built only if the page is rendered."""
    if request.GET:
        return CallbackFilterForm(request.GET, region=company.region, scope=request.scope)
    return SimpleLazyObject(  # type: ignore[return-value]
        lambda: CallbackFilterForm(None, region=company.region, scope=request.scope)
    )


def page_version(request: HttpRequest, company, context: dict) -> tuple | None:
    """Everything the page shows besides the layout, for calls.pages: the board by the versions
    it was built from (company, lines, when each list was fetched, the notes version), what is
    shown of it, the company's name and zone, the embedded switch, the member (their own notes
    have a Delete button) and each row's relative times, worked out afresh on every view; None
    (rendered as usual) for a board shown from an old or a failed answer."""
    loaded = context["loaded"]
    if loaded.stale is not None or loaded.recent_error is not None:
        return None
    now, zone = timezone.now(), timezone.get_current_timezone()
    times = tuple(
        (display.relative(row.first.started_at, now, zone), waited(row.first.started_at, now))
        for row in loaded.board.rows
    )
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


def board_query(show: str, line: str | None, embedded: bool, *, check: bool = False) -> str:
    """The board's query string as a shareable link holds it: no defaults."""
    params = {
        "show": show if show != DEFAULT_SHOW else "",
        "line": line or "",
        "check": "1" if check else "",
        "embed": "1" if embedded else "",
    }
    return urlencode({name: value for name, value in params.items() if value})
