"""phonedash's URLs plus /bench/ok: the floor a page is measured against.

The "ok" view goes through the same server, middleware and login check (LoginRequiredMiddleware
covers it, as it covers every page) as the call list, and then does nothing.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_GET

from phonedash import urls as project


@require_GET
def ok(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/ok", ok, name="bench-ok"), *project.urlpatterns]

handler400 = project.handler400
handler403 = project.handler403
handler404 = project.handler404
handler500 = project.handler500
