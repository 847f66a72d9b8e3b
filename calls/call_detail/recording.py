"""A call's recording: a link minted by Phone.inc for this request, never cached."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from calls import audit, phoneinc
from calls.accounts.tenancy import company_required, content_forbidden
from calls.models import AuditEvent
from calls.phoneinc import PhoneIncError
from calls.responses import render_error
from calls.sources import call_source

log = logging.getLogger("phonedash.views")


@require_GET
@never_cache
@company_required
def call_recording(request: HttpRequest, company, call_id: str) -> HttpResponse:
    """A link to the recording minted for this request: fetched fresh, never cached.

    Who may have it is settled before a link is minted: a member without access to content is
    refused without asking Phone.inc, and a limited member's call is checked against their
    lines on the cached call first, so a call on another line never gets a link made.
    """
    scope = request.scope
    if not scope.content:
        return content_forbidden(request)
    try:
        source = call_source(company)
        if scope.is_limited and not scope.sees(source.call(call_id).value):
            raise phoneinc.NotFound()
        call = source.fresh_call(call_id)
        if not scope.sees(call):  # moved to another line since it was cached
            raise phoneinc.NotFound()
    except PhoneIncError as error:
        return render_error(request, error)
    url = call.recording_url
    if not url:
        message = (
            "This call has no recording yet: it appears once the call has ended."
            if call.is_live
            else "This call has no recording."
        )
        return render_error(request, phoneinc.NotFound(message))
    if not is_playable_url(url):
        return render_error(request, phoneinc.BadAnswer(detail="unusable recording_url"))
    warn_unless_csp_admits(url)
    audit.record(request, AuditEvent.RECORDING_PLAYED, call_id=call_id)
    response = HttpResponseRedirect(url)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def warn_unless_csp_admits(url: str) -> None:
    """A recording host missing from the CSP's media-src fails silently in the browser: say so."""
    parts = urlsplit(url)
    sources = settings.SECURE_CSP.get("media-src", ())
    if not {f"{parts.scheme}://{parts.netloc}", f"{parts.scheme}:", "*"} & set(sources):
        log.warning(
            "recordings come from %s://%s, which the CSP media-src does not list: browsers "
            "will refuse to play them; add it to PHONEDASH_MEDIA_ORIGINS",
            parts.scheme,
            parts.netloc,
        )


def is_playable_url(url: str) -> bool:
    """An absolute http(s) URL with nothing a Location header could be abused with."""
    if any(char.isspace() or ord(char) < 32 or ord(char) == 127 for char in url):
        return False
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False
