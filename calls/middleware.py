"""Response headers Django has no setting for, and the embedded (iframe) layout switch."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.utils.cache import patch_vary_headers


def query_of(url: str) -> str:
    """The query string of a URL we did not write (``next``, ``HX-Current-URL``), without
    urlsplit(): it parses the host too, and raises on one like ``http://[`` (a 500 anywhere)."""
    return url.partition("#")[0].partition("?")[2]


def _asks_for_embed(url: str) -> bool:
    return ("embed", "1") in parse_qsl(query_of(url))


def is_embedded(request) -> bool:
    """Framed by a portal (the browser says so), or asked for with ?embed=1.

    The flag also survives htmx requests (the page's URL, HX-Current-URL) and the trip through
    the login page (its ``next``). Only the query string is read, never a POST body: parsing a
    body here would happen before CSRF checks and turn a malformed one into a bare error page.
    """
    if request.headers.get("Sec-Fetch-Dest") == "iframe":
        return True
    if request.GET.get("embed") == "1":
        return True
    if _asks_for_embed(request.GET.get("next", "")):
        return True
    return _asks_for_embed(request.headers.get("HX-Current-URL", ""))


def with_embed(url: str) -> str:
    """The same URL asking for the embedded layout (for redirects inside the portal's frame)."""
    if _asks_for_embed(url):
        return url
    rest, hash_, fragment = url.partition("#")
    path, _, query = rest.partition("?")
    query = urlencode([*parse_qsl(query, keep_blank_values=True), ("embed", "1")])
    return f"{path}?{query}{hash_}{fragment}"


class SecurityHeadersMiddleware:
    """Permissions-Policy; Partitioned cookies and no X-Frame-Options when a portal embeds us.

    Sits at the top of MIDDLEWARE so it sees the cookies the session and CSRF middleware set.
    Settings are read per response, so what it does always matches the settings in force.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        request.embedded = is_embedded(request)
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PHONEDASH_PERMISSIONS_POLICY)
        if response.get("Content-Type", "").startswith("text/html"):
            patch_vary_headers(response, ["Sec-Fetch-Dest"])
        if settings.PHONEDASH_FRAME_ANCESTORS:
            # CSP frame-ancestors names the portal; a DENY here would contradict it.
            response.headers.pop("X-Frame-Options", None)
            for morsel in response.cookies.values():
                if morsel["samesite"] == "None":
                    # Python's cookie module knows no Partitioned attribute (before 3.14); it
                    # writes SameSite's value verbatim, so the attribute rides along.
                    morsel["samesite"] = "None; Partitioned"
        return response
