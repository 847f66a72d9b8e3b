"""The call list as a CSV file: the list's parameters, calls, scope and order, one row each.

Everything a bad request or a failing Phone.inc gets is the list's HTML (a 400 page naming
the filters to fix, the styled error page with its status): never a CSV that looks like an
export and holds an error. Each download is one audit event. The file is the member's view of
their company's calls, so neither the browser nor a proxy may keep it.
"""

from __future__ import annotations

import csv

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from calls import audit, csv_export, services
from calls.forms import CallFilterForm
from calls.models import AuditEvent
from calls.phoneinc import PhoneIncError
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
    csv.writer(response).writerows(
        csv_export.rows(calls, company.zone, content=request.scope.content)
    )
    audit.record(request, AuditEvent.EXPORT_DOWNLOADED, detail=described(filters))
    return response


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
