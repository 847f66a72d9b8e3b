"""The address a request comes from, behind as many proxies as PHONEDASH_PROXY_COUNT says.

Login throttling counts failures per address with it, and the audit log records it.
"""

from __future__ import annotations

import logging

from django.conf import settings

log = logging.getLogger("phonedash.security")

_warned_about_proxies = False


def client_address(request) -> str:
    """The caller's address; behind PHONEDASH_PROXY_COUNT proxies, from X-Forwarded-For."""
    global _warned_about_proxies
    proxies = settings.PHONEDASH_PROXY_COUNT
    if not proxies and "HTTP_X_FORWARDED_FOR" in request.META and not _warned_about_proxies:
        # Behind a proxy with the count at 0, every sign-in comes "from" the proxy: five typos
        # anywhere would pause signing in for everyone. Say so once per process.
        _warned_about_proxies = True
        log.warning(
            "sign-ins arrive with X-Forwarded-For but PHONEDASH_PROXY_COUNT is 0: login "
            "throttling by address sees the proxy's address; set PHONEDASH_PROXY_COUNT"
        )
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "unknown")
