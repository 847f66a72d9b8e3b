"""Text responses compressed with gzip, and kept pages compressed once.

Every text response (pages, fragments, CSV, plain text) goes through Django's GZipMiddleware
when the browser accepts gzip: a 50-call list is 37 KB of markup and 5 KB compressed, which is
most of a first visit on a phone. A kept page (calls.pages) is the same bytes on every view
but for its CSRF token, so it is compressed when it is kept, in pieces split at the token:
each response is then a gzip stream spliced from those pieces and its own token, instead of
37 KB compressed again (which took as long as serving the page).

Compressing a page that carries a secret and echoes what was asked for invites BREACH, which
guesses the secret from the compressed length of many responses. What is secret on these
pages is the CSRF token, and it is masked afresh for every response (phonedash.csrf_token),
so no two responses carry the same one; Django's mitigation is kept too (up to 100 random
bytes in the gzip header, here as in GZipMiddleware); and the session cookie is SameSite=Lax
(Partitioned in a portal), so another site cannot have a browser fetch these pages signed in.
"""

from __future__ import annotations

import gzip
import secrets
import struct
import zlib
from collections.abc import Iterable

from django.http import HttpRequest, HttpResponse
from django.middleware.gzip import GZipMiddleware, re_accepts_gzip

LEVEL = 6  # GZipMiddleware's
TEXT_TYPES = ("text/", "application/json", "image/svg+xml")
# An empty last block, to end a stream of pieces that each end with a full flush.
_LAST = zlib.compressobj(LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS).flush(zlib.Z_FINISH)
_HEADER = b"\x1f\x8b\x08" + bytes([gzip.FNAME]) + b"\x00\x00\x00\x00" + b"\x00\xff"


class TextGZipMiddleware(GZipMiddleware):
    """GZipMiddleware for text only: anything else (an image, a download) is left as it is."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if not response.get("Content-Type", "").startswith(TEXT_TYPES):
            return response
        return super().process_response(request, response)


def accepts_gzip(request: HttpRequest) -> bool:
    return bool(re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")))


def deflated(data: bytes) -> bytes:
    """`data` as raw deflate that refers to nothing before it and ends on a byte boundary
    without being the last block: such pieces follow each other in one stream."""
    packer = zlib.compressobj(LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush(zlib.Z_FULL_FLUSH)


def spliced(pieces: Iterable[tuple[bytes, bytes]]) -> bytes:
    """One gzip member of the pieces in order, each given as (data, deflated(data))."""
    crc = size = 0
    body = []
    for data, packed in pieces:
        crc = zlib.crc32(data, crc)
        size += len(data)
        body.append(packed)
    # Heal The Breach, as GZipMiddleware does it: a file name of random length in the header.
    name = b"a" * secrets.randbelow(GZipMiddleware.max_random_bytes) + b"\x00"
    trailer = struct.pack("<II", crc, size & 0xFFFFFFFF)
    return b"".join((_HEADER, name, *body, _LAST, trailer))
