"""The call list as a CSV file: the list's parameters, calls, scope and order, one row each.

Everything a bad request or a failing Phone.inc gets is the list's HTML (a 400 page naming
the filters to fix, the styled error page with its status): never a CSV that looks like an
export and holds an error. Each download is one audit event. The file is the member's view of
their company's calls, so neither the browser nor a proxy may keep it.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterable, Iterator

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from calls import audit, memo
from calls.accounts.tenancy import company_required
from calls.filters.forms import CallFilterForm, read_query
from calls.insights import csv_file as csv_export
from calls.models import AuditEvent
from calls.phoneinc import Call, PhoneIncError
from calls.responses import render_error
from calls.sources import CallQuery, source_for

NEVER_STORED = "private, no-store"
CSV = "text/csv; charset=utf-8"


MAX_ROWS = 1_000_000  # an export of a period: beyond this, narrow it
CHUNK_ROWS = 500  # rows written to the response at a time

FILES_KEPT = 64
FILES_BYTES = 2 * 1024 * 1024
# A file of Phone.inc's newest calls kept per process under the answer it was written from (the
# company, its zone, whether the member reads summaries, the query with the member's lines,
# when the answer was fetched): writing its 50 rows was half a warm export's time.
_files: memo.Memo[tuple, str] = memo.Memo(
    "csv exports",
    entries=FILES_KEPT,
    max_bytes=FILES_BYTES,
    sizeof=lambda key, text: sys.getsizeof(text) + memo.deep_size(key),
)


@require_GET
@company_required
def call_export(request: HttpRequest, company) -> HttpResponse:
    form, query = read_query(CallFilterForm, request.GET, company, lines=request.scope.lines)
    if query is None:
        return bad_filters(request, form)
    if form.period is not None:
        return period_export(request, company, form, query)
    try:
        listing = source_for(company, query).list(query)
    except PhoneIncError as error:
        response = render_error(request, error)
        response["Cache-Control"] = NEVER_STORED
        return response
    content = request.scope.content
    key = (company.pk, str(company.zone), content, query, listing.answer.fetched_at)
    text = _files.get(key)
    if text is None:
        text = _files.put(key, csv_text(listing.calls, company.zone, content))
    response = HttpResponse(content_type=CSV)
    attach(response, company)
    response.write(text)
    audit.record(request, AuditEvent.EXPORT_DOWNLOADED, detail=described(query))
    return response


def period_export(request: HttpRequest, company, form: CallFilterForm, query: CallQuery):
    """Every call of the period that matches, newest first, streamed as it is read from the
    history: the first rows leave at once, and a million rows take no more memory than a
    thousand."""
    source = source_for(company, query)
    try:
        count = source.count(query)
    except PhoneIncError as error:
        response = render_error(request, error)
        response["Cache-Control"] = NEVER_STORED
        return response
    if count > MAX_ROWS:
        context = {
            "status": 400,
            "title": "Too many calls for one file",
            "message": f"These filters match {count:,} calls; one file holds at most "
            f"{MAX_ROWS:,}. Choose a shorter period or narrow the filters, then download again.",
        }
        response = render(request, "error_page.html", context, status=400)
        response["Cache-Control"] = NEVER_STORED
        return response
    content = request.scope.content
    calls = source.calls(query, summary=content)
    response = StreamingHttpResponse(csv_chunks(calls, company.zone, content), content_type=CSV)
    attach(response, company)
    period = form.period
    detail = f"from={period.first}, to={period.last}, rows={count}"
    filters = {k: v for k, v in form.link_params().items() if k not in ("period", "from", "to")}
    if filters:
        detail += ", " + ", ".join(f"{name}={value}" for name, value in filters.items())
    audit.record(request, AuditEvent.EXPORT_DOWNLOADED, detail=detail)
    return response


def attach(response: HttpResponse, company) -> None:
    name = csv_export.filename(company.name, timezone.now(), company.zone)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = NEVER_STORED


def csv_text(calls: tuple[Call, ...], zone, content: bool) -> str:
    """The file's text: the header and one row per call, in the company's zone."""
    out = io.StringIO()
    csv.writer(out).writerows(csv_export.rows(calls, zone, content=content))
    return out.getvalue()


def csv_chunks(calls: Iterable[Call], zone, content: bool) -> Iterator[str]:
    """The file's text a few hundred rows at a time."""
    out = io.StringIO()
    writer = csv.writer(out)
    for index, row in enumerate(csv_export.rows(calls, zone, content=content)):
        writer.writerow(row)
        if index % CHUNK_ROWS == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def forget() -> None:
    """Drop every kept file (for tests, whose rolled-back databases hand ids out again)."""
    _files.clear()


def described(query: CallQuery) -> str:
    """The filters as the audit log reads them: "direction=inbound, limit=10"."""
    return ", ".join(f"{name}={value}" for name, value in query.upstream().items())


def bad_filters(request: HttpRequest, form: CallFilterForm) -> HttpResponse:
    problems = " ".join(f"{field.label}: {message}" for field in form for message in field.errors)
    context = {
        "status": 400,
        "title": "These filters cannot be exported",
        "message": f"{problems} Fix the filters on the call list, then download again.",
    }
    response = render(request, "error_page.html", context, status=400)
    response["Cache-Control"] = NEVER_STORED
    return response
