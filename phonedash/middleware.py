"""Response headers Django has no setting for, the embedded (iframe) layout switch, responses
no shared cache may keep, and a whole-window trip to the login page for htmx requests whose
session has expired."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import resolve_url
from django.utils.cache import patch_cache_control, patch_vary_headers
from django_htmx.http import HttpResponseClientRedirect

from phonedash.urlquery import asks_for_embed, local_part


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
    if asks_for_embed(request.GET.get("next", "")):
        return True
    return asks_for_embed(request.headers.get("HX-Current-URL", ""))


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
            # The layout follows is_embedded(), which reads these two request headers.
            patch_vary_headers(response, ["Sec-Fetch-Dest", "HX-Current-URL"])
        if settings.PHONEDASH_FRAME_ANCESTORS:
            # CSP frame-ancestors names the portal; a DENY here would contradict it.
            response.headers.pop("X-Frame-Options", None)
            for morsel in response.cookies.values():
                if morsel["samesite"] == "None":
                    # Python's cookie module knows no Partitioned attribute (before 3.14); it
                    # writes SameSite's value verbatim, so the attribute rides along.
                    morsel["samesite"] = "None; Partitioned"
        return response


class PrivateResponsesMiddleware:
    """What a signed-in member is shown is theirs: no shared cache (a proxy, a CDN) may keep it.

    Every response to a signed-in request says Cache-Control: private, no-store (added to
    whatever the view set, so a view's no-store or max-age=0 stays) and Vary: Cookie, since the
    session decides what it shows. Sits just below AuthenticationMiddleware; static files
    (answered by WhiteNoise above it) and anonymous responses (the login page, the health
    checks: each says never to cache itself) keep their own headers.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
            patch_vary_headers(response, ["Cookie"])
        return response


REDIRECTS = frozenset({301, 302, 303, 307, 308})


class HtmxLoginRedirectMiddleware:
    """An htmx request whose session has expired goes to the login page as a whole page.

    LoginRequiredMiddleware answers it with a 302 to the login page, which the browser follows
    and htmx swaps into the results or the call: a sign-in form nested in the page. Instead,
    HX-Redirect sends the whole window there, and back to the page it was on (its local path
    only, from HX-Current-URL) once signed in.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if response.status_code in REDIRECTS:
            # An htmx request's redirect differs, and goes back to the page it names.
            patch_vary_headers(response, ["HX-Request", "HX-Current-URL"])
        if not getattr(request, "htmx", False) or response.status_code not in REDIRECTS:
            return response
        login_url = str(resolve_url(settings.LOGIN_URL))
        location = response.get("Location", "")
        if location.partition("?")[0] != login_url.partition("?")[0]:
            return response
        back_to = local_part(request.headers.get("HX-Current-URL", "")) or local_part(
            request.get_full_path()
        )
        if back_to is None:
            redirect = HttpResponseClientRedirect(location)
        else:
            redirect = HttpResponseClientRedirect(f"{login_url}?{urlencode({'next': back_to})}")
        patch_vary_headers(redirect, ["HX-Request", "HX-Current-URL"])
        return redirect
