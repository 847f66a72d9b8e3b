"""(being written) POST /hooks/phoneinc/<token>/: Phone.inc's webhook nudges a call."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse


def nudge(request: HttpRequest, token: str) -> JsonResponse:
    return JsonResponse({"status": "unavailable"}, status=503)
