"""The colour theme a portal (or a person) forces with ``?theme=light|dark``.

Without one, pages follow the device's ``prefers-color-scheme`` through the stylesheet alone.
A forced theme becomes ``<html data-theme="…">``, which the stylesheet honours over the media
query. It is remembered in a browser-session cookie, so it survives every later link, form,
redirect (the login page's ``next`` included) and htmx request without each of them having to
carry it; inside a portal's frame the cookie is partitioned like the session cookie, so the
portal's choice stays in the portal. ``?theme=auto`` goes back to following the device; any
other value is ignored.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.cache import patch_vary_headers

THEMES = frozenset({"light", "dark"})
FOLLOW_DEVICE = "auto"
COOKIE = "phonedash_theme"


def requested_theme(request) -> str | None:
    """The forced theme for this request: from its query, else from the cookie, else None."""
    asked = request.GET.get("theme")
    if asked in THEMES:
        return asked
    if asked == FOLLOW_DEVICE:
        return None
    remembered = request.COOKIES.get(COOKIE)
    return remembered if remembered in THEMES else None


class ThemeMiddleware:
    """Sets ``request.theme`` and keeps a theme asked for in the query in the cookie.

    Sits inside SecurityHeadersMiddleware, so the cookie is made Partitioned where the session
    cookie is (a portal's frame), and sent with the session cookie's SameSite and Secure.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        request.theme = requested_theme(request)
        response = self.get_response(request)
        asked = request.GET.get("theme")
        if asked in THEMES and request.COOKIES.get(COOKIE) != asked:
            response.set_cookie(
                COOKIE,
                asked,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite=settings.SESSION_COOKIE_SAMESITE,
            )
        elif asked == FOLLOW_DEVICE and COOKIE in request.COOKIES:
            response.delete_cookie(COOKIE, samesite=settings.SESSION_COOKIE_SAMESITE)
        if response.get("Content-Type", "").startswith("text/html"):
            patch_vary_headers(response, ["Cookie"])
        return response
