"""The CSRF token pages carry, masked afresh for every response as Django masks it, for less.

Django's `get_token` masks the cookie's secret with 32 random characters drawn one at a time,
each a read of the operating system's random source. Every signed-in page carries the token
(the htmx headers and the sign-out form), and under load each of those reads lets another
thread take the interpreter: a tenth of a warm page's time went there. Here the mask comes
from one read of the same source, cut to the same alphabet without bias, and is applied as
Django applies it, so Django's CsrfViewMiddleware checks these tokens like its own.

The context processor puts this token where Django's built-in `csrf` processor puts its own:
`{% csrf_token %}` and `{{ csrf_token }}` read it, lazily, as before.
"""

from __future__ import annotations

import secrets

from django.http import HttpRequest
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, get_token
from django.utils.functional import SimpleLazyObject

CHARS = CSRF_ALLOWED_CHARS
# The largest multiple of the alphabet's size in a byte: bytes at or above it are skipped,
# so that every character is equally likely.
_FAIR = 256 - 256 % len(CHARS)
_INDEX = {char: index for index, char in enumerate(CHARS)}


def random_chars(count: int) -> str:
    """`count` characters of the CSRF alphabet, each uniformly random, read in one go."""
    picked: list[str] = []
    while len(picked) < count:
        # A few bytes spare: about 3 % of bytes are skipped.
        for byte in secrets.token_bytes(count + 8):
            if byte < _FAIR:
                picked.append(CHARS[byte % len(CHARS)])
    return "".join(picked[:count])


def masked_token(request: HttpRequest) -> str:
    """What `django.middleware.csrf.get_token` returns: the secret under a new mask, mask
    first; and, like it, the cookie is then sent (or renewed) with the response."""
    secret = request.META.get("CSRF_COOKIE")
    if not (
        isinstance(secret, str)
        and len(secret) == CSRF_SECRET_LENGTH
        and secret.isascii()
        and secret.isalnum()
    ):
        return get_token(request)  # no secret yet: Django makes one, and its cookie
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    mask = random_chars(CSRF_SECRET_LENGTH)
    cipher = "".join(
        CHARS[(_INDEX[s] + _INDEX[m]) % len(CHARS)] for s, m in zip(secret, mask, strict=True)
    )
    return mask + cipher


def csrf(request: HttpRequest) -> dict[str, object]:
    """In place of django.template.context_processors.csrf (templates run it first)."""
    return {"csrf_token": SimpleLazyObject(lambda: masked_token(request))}
