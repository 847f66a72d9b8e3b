"""One log line per request: who (ids only), what, how it went, and what Phone.inc cost.

The product adds what it knows of a request when it starts (`add_hook`): a context around each
request (its Phone.inc budget) and the fields it contributes to the line (Phone.inc's requests
and milliseconds, what the cache answered). The line carries a request id (the proxy's
X-Request-ID when it sends a sane one, else a new one), echoed in the response so a user's
report can be matched to the log. Paths are logged without their query string, which may hold
phone numbers: only the parameter names are kept. A webhook's path carries its credential, a
token: under /hooks/ only the sender's name is kept and every later segment is masked
(`/hooks/phoneinc/…/`), and this line stands in for the one Django writes about an answer of
400 or more, which would print the path whole. Ids are read only if the request already loaded
them: logging never queries the database.
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.utils.functional import empty

from phonedash.logformat import current_request_id

log = logging.getLogger("phonedash.request")

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_PARAM_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,31}")
MAX_PARAMS = 10
QUIET_PATHS = ("/healthz", "/readyz", "/favicon.ico")
MAX_PATH = 300
PATH_SAFE = "/:@!$&'()*+,;=-._~"
# Webhooks: /hooks/<sender>/<token>/. Matched whatever the case and however many slashes lead,
# so that a sender's mistyped URL does not print its token either.
_HOOK_PATH_RE = re.compile(r"(?is)(/+hooks/)([^/]*)(.*)")
_HOOK_SENDER_RE = re.compile(r"[a-z][a-z0-9-]{0,31}")
MASK = "…"


@dataclass(frozen=True, slots=True)
class Hook:
    """What the product adds to every request: `around()`, a context the request runs in, and
    `fields()`, read once it has run, for its log line."""

    around: Callable[[], contextlib.AbstractContextManager[object]]
    fields: Callable[[], dict[str, object]]


_hooks: list[Hook] = []


def add_hook(hook: Hook) -> None:
    if hook not in _hooks:
        _hooks.append(hook)


def request_id_from(request: HttpRequest) -> str:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    return incoming if _REQUEST_ID_RE.fullmatch(incoming) else uuid.uuid4().hex


def param_names(request: HttpRequest) -> str:
    """The query's parameter names, sorted; names that do not look like one are counted only."""
    try:
        query = request.GET
    except SuspiciousOperation:  # too many fields: Django answers 400 itself
        return "?"
    names = sorted({name for name in query if _PARAM_NAME_RE.fullmatch(name)})
    others = len(query) - len(names)
    if len(names) > MAX_PARAMS:
        others += len(names) - MAX_PARAMS
        names = names[:MAX_PARAMS]
    return ",".join(names + ([f"+{others}"] if others else []))


def is_hook_path(path: str) -> bool:
    return _HOOK_PATH_RE.fullmatch(path) is not None


def loggable_path(path: str) -> str:
    """The path as logged: escaped, cut short, and a webhook's token masked."""
    path = quote(path, safe=PATH_SAFE)
    hook = _HOOK_PATH_RE.fullmatch(path)
    if hook is not None:
        prefix, sender, rest = hook.groups()
        if sender and not _HOOK_SENDER_RE.fullmatch(sender):
            sender = MASK  # no sender's name: perhaps the token itself
        rest = "/".join(MASK if segment else "" for segment in rest.split("/"))
        path = prefix + sender + rest
    return path[:MAX_PATH]


def ids_of(request: HttpRequest) -> tuple[int | None, int | None]:
    """(user id, company id) if this request already loaded them, else None for each."""
    user = getattr(request, "user", None)
    user = getattr(user, "_wrapped", user)  # the lazy user, unwrapped only if already loaded
    if user is None or user is empty or not getattr(user, "is_authenticated", False):
        return None, None
    company_id = None
    membership = getattr(type(user), "membership", None)
    if membership is not None and membership.is_cached(user):
        with contextlib.suppress(ObjectDoesNotExist):  # cached as "no company"
            company_id = user.membership.company_id
    return user.pk, company_id


class RequestLogMiddleware:
    """First in MIDDLEWARE, so its time covers everything and it sees the final status."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        request_id = request_id_from(request)
        request.request_id = request_id
        token = current_request_id.set(request_id)
        try:
            with contextlib.ExitStack() as hooks:
                for hook in _hooks:
                    hooks.enter_context(hook.around())
                response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            if is_hook_path(request.path):
                # Django logs an answer of 400 or more with the whole path once the middleware
                # is done; this request's own line, its token masked, says as much.
                response._has_been_logged = True
            try:
                self.log(request, response, started)
            except Exception:  # a log line must never cost the user their page
                log.exception("could not log a request")
            return response
        finally:
            current_request_id.reset(token)

    def log(self, request: HttpRequest, response: HttpResponse, started: float) -> None:
        added: dict[str, object] = {}
        for hook in _hooks:
            added.update(hook.fields())
        user_id, company_id = ids_of(request)
        path = loggable_path(request.path)
        status = response.status_code
        fields = {
            "request_id": request.request_id,
            "method": quote(request.method or "-", safe="")[:16],
            "path": path,
            "params": param_names(request) or None,
            "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000),
            "user_id": user_id,
            "company_id": company_id,
            "upstream_requests": added.pop("upstream_requests", 0),
            "upstream_ms": added.pop("upstream_ms", 0),
            "cache": added.pop("cache", None),
            **added,
        }
        if status >= 500:
            level = logging.WARNING
        elif path in QUIET_PATHS or path.startswith("/" + settings.STATIC_URL.lstrip("/")):
            level = logging.DEBUG  # probes every few seconds and static files: noise at INFO
        else:
            level = logging.INFO
        log.log(
            level,
            "%s %s%s -> %s in %d ms request_id=%s user=%s company=%s upstream=%d/%dms cache=%s",
            fields["method"],
            path,
            f" [{fields['params']}]" if fields["params"] else "",
            status,
            fields["duration_ms"],
            fields["request_id"],
            user_id if user_id is not None else "-",
            company_id if company_id is not None else "-",
            fields["upstream_requests"],
            fields["upstream_ms"],
            fields["cache"] or "-",
            extra=fields,
        )
