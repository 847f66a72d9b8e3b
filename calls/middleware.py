"""Response headers Django has no setting for, and the embedded (iframe) layout switch."""

from __future__ import annotations

from django.conf import settings
from django.utils.cache import patch_vary_headers


def is_embedded(request) -> bool:
    """Framed by a portal (the browser says so), or asked for with ?embed=1."""
    if request.headers.get("Sec-Fetch-Dest") == "iframe":
        return True
    if request.GET.get("embed") == "1" or request.POST.get("embed") == "1":
        return True
    current = request.headers.get("HX-Current-URL", "")
    return "embed=1" in current.partition("?")[2].split("&")


class SecurityHeadersMiddleware:
    """Permissions-Policy; Partitioned cookies and no X-Frame-Options when a portal embeds us.

    Sits at the top of MIDDLEWARE so it sees the cookies the session and CSRF middleware set.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.embedding = bool(settings.PHONEDASH_FRAME_ANCESTORS)

    def __call__(self, request):
        request.embedded = is_embedded(request)
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PHONEDASH_PERMISSIONS_POLICY)
        if response.get("Content-Type", "").startswith("text/html"):
            patch_vary_headers(response, ["Sec-Fetch-Dest"])
        if self.embedding:
            # CSP frame-ancestors names the portal; a DENY here would contradict it.
            response.headers.pop("X-Frame-Options", None)
            for morsel in response.cookies.values():
                if morsel["samesite"] == "None" and "Partitioned" not in morsel["samesite"]:
                    # Python's cookie module knows no Partitioned attribute (before 3.14); it
                    # writes SameSite's value verbatim, so the attribute rides along.
                    morsel["samesite"] = "None; Partitioned"
        return response
