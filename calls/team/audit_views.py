"""The audit log for company admins: who did what, newest first, filtered, paged, as CSV.

Read-only: events are written by calls.audit.record and nowhere on the site changed.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.paginator import InvalidPage, Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from calls import phoneinc
from calls.accounts.tenancy import admin_required
from calls.csv_cells import safe_row
from calls.models import AuditEvent, Company
from calls.team.audit_forms import AuditFilterForm

PER_PAGE = 50
CSV_HEADER = ("When", "Member", "Action", "Call", "Detail", "Address")


@dataclass(frozen=True, slots=True)
class EventRow:
    event: AuditEvent
    call_url: str | None  # the call's page, when the event names a call


def row_of(event: AuditEvent) -> EventRow:
    call_id = event.call_id
    url = reverse("calls:detail", args=[call_id]) if phoneinc.is_valid_call_id(call_id) else None
    return EventRow(event, url)


@require_GET
@admin_required
def audit_log(request: HttpRequest, company: Company) -> HttpResponse:
    form = AuditFilterForm(request.GET, company=company)
    context: dict = {"company": company, "form": form}
    if not form.is_valid():
        return render(request, "calls/audit.html", context, status=400)
    paginator = Paginator(form.events(company), PER_PAGE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except InvalidPage:
        raise Http404("There is no such page of the audit log.") from None
    query = form.query()
    context.update(
        page=page,
        rows=[row_of(event) for event in page.object_list],
        filtered=bool(query),
        filter_query=urlencode(query),
        export_url=reverse("audit_export") + (f"?{urlencode(query)}" if query else ""),
    )
    return render(request, "calls/audit.html", context)


class Echo:
    """A file csv.writer writes to that hands each line back, for a streamed response."""

    def write(self, value: str) -> str:
        return value


def csv_lines(events, zone) -> Iterator[str]:
    """The events as CSV lines, times in `zone`, every cell inert in a spreadsheet."""
    writer = csv.writer(Echo())
    yield writer.writerow(CSV_HEADER)
    for event in events.iterator():
        when = timezone.localtime(event.created_at, zone).isoformat(timespec="seconds")
        cells = (
            when,
            event.username,
            event.get_action_display(),
            event.call_id,
            event.detail,
            event.address or "",
        )
        yield writer.writerow(safe_row(cells))


@require_GET
@never_cache
@admin_required
def audit_export(request: HttpRequest, company: Company) -> HttpResponse:
    form = AuditFilterForm(request.GET, company=company)
    if not form.is_valid():
        context = {"company": company, "form": form}
        return render(request, "calls/audit.html", context, status=400)
    # The stream runs after the view has returned, outside the company's time zone: pass it.
    lines = csv_lines(form.events(company), company.zone)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
    return response
