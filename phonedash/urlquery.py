"""Reading URLs we did not write (``next``, ``HX-Current-URL``), and the embed flag in them.

None of these calls urlsplit(): it parses the host too, and raises on one like ``http://[``,
which would make a 500 of any page a crafted header reaches.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from django.utils.http import url_has_allowed_host_and_scheme


def query_of(url: str) -> str:
    """The query string of a URL, without its fragment."""
    return url.partition("#")[0].partition("?")[2]


def asks_for_embed(url: str) -> bool:
    """Whether the URL asks for the embedded (iframe) layout with ``embed=1``."""
    return ("embed", "1") in parse_qsl(query_of(url))


def with_embed(url: str) -> str:
    """The same URL asking for the embedded layout (for redirects inside the portal's frame)."""
    if asks_for_embed(url):
        return url
    rest, hash_, fragment = url.partition("#")
    path, _, query = rest.partition("?")
    query = urlencode([*parse_qsl(query, keep_blank_values=True), ("embed", "1")])
    return f"{path}?{query}{hash_}{fragment}"


def local_part(url: str) -> str | None:
    """The path and query of a URL the browser reports (``HX-Current-URL``), or None when
    there is no local path there to send a user back to."""
    url = url.partition("#")[0]
    scheme, sep, rest = url.partition("://")
    if sep and "/" not in scheme and "?" not in scheme:  # absolute: leave out scheme and host
        cut = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
        url = rest[cut:]
        if not url.startswith("/"):
            url = "/" + url
    if not url.startswith("/") or url.startswith("//") or "\\" in url:
        return None
    return url if url_has_allowed_host_and_scheme(url, allowed_hosts=None) else None
