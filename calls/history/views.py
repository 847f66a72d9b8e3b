"""(being written) /team/history/: what the company's history keeps, and its sync."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def history_settings(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=503)


def replace_token(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=503)
