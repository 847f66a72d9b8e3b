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

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from calls import audit, csv_export, memo, services
from calls.forms import CallFilterForm
from calls.models import AuditEvent
from calls.phoneinc import Call, PhoneIncError
from calls.tenancy import company_required
from calls.views.responses import render_error

NEVER_STORED = "private, no-store"


@require_GET
@company_required
def call_export(request: HttpRequest, company) -> HttpResponse:
    form = CallFilterForm(request.GET or None, region=company.region)
    if form.is_bound and not form.is_valid():
        return bad_filters(request, form)
    filters = form.filters() if form.is_bound else services.CallFilters()
    try:
        answer = services.list_calls(company, filters)
    except PhoneIncError as error:
        response = render_error(request, error)
        response["Cache-Control"] = NEVER_STORED
        return response
    calls = request.scope.visible(answer.value)
    name = csv_export.filename(company.name, timezone.now(), company.zone)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = NEVER_STORED
    response.write(csv_text(calls, company.zone, request.scope.content))
    audit.record(request, AuditEvent.EXPORT_DOWNLOADED, detail=described(filters))
    return response


# The same answer gives the same file: each is kept with the tuple of calls it was written from
# (the same tuple while the cached answer stays the same, see calls.payloads), so that no id
# can be taken by another object meanwhile, and bounded by its size.
FILES_KEPT = 256
FILES_BYTES = 4 * 1024 * 1024
_files: memo.Memo[tuple, tuple[tuple[Call, ...], str]] = memo.Memo(
    "csv exports",
    entries=FILES_KEPT,
    max_bytes=FILES_BYTES,
    sizeof=lambda key, kept: sys.getsizeof(kept[1]) + memo.SMALL_ENTRY_BYTES,
)


def csv_text(calls: tuple[Call, ...], zone, content: bool) -> str:
    """The file's text: the header and one row per call, in the company's zone."""
    key = (id(calls), str(zone), content)
    kept = _files.get(key)
    if kept is not None and kept[0] is calls:
        return kept[1]
    out = io.StringIO()
    csv.writer(out).writerows(csv_export.rows(calls, zone, content=content))
    return _files.put(key, (calls, out.getvalue()))[1]


def described(filters: services.CallFilters) -> str:
    """The filters as the audit log reads them: "direction=inbound, limit=10"."""
    return ", ".join(f"{name}={value}" for name, value in filters.params().items())


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
