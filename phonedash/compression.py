"""Text responses compressed with gzip; anything else left as it is.

Every text response (pages, fragments, CSV, plain text) goes through Django's GZipMiddleware
when the browser accepts gzip: a 50-call list is 37 KB of markup and 5 KB compressed, which is
most of a first visit on a phone. An image or a download that is not text is sent as it is.

Compressing a page that carries a secret and echoes what was asked for invites BREACH, which
guesses the secret from the compressed length of many responses. The secret these pages carry
is the CSRF token, which Django masks afresh for every response; GZipMiddleware adds up to 100
random bytes to each gzip header ("Heal The Breach"); and the session cookie is SameSite=Lax
(Partitioned in a portal), so another site cannot have a browser fetch these pages signed in.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.middleware.gzip import GZipMiddleware

TEXT_TYPES = ("text/", "application/json", "image/svg+xml")


class TextGZipMiddleware(GZipMiddleware):
    """GZipMiddleware for text only: anything else (an image, a download) is left as it is."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if not response.get("Content-Type", "").startswith(TEXT_TYPES):
            return response
        return super().process_response(request, response)
