"""Login throttling: too many failures for an account or from an address lock it for a while.

Counters live in Django's cache, so with REDIS_URL they are shared by every worker and host.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.cache import cache

from phonedash.urlquery import with_embed

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


def _keys(username: str, address: str) -> list[str]:
    account = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    where = hashlib.sha256(address.encode()).hexdigest()[:32]
    return [f"login:account:{account}", f"login:address:{where}"]


def _limit(key: str) -> int:
    """Failures allowed: an office behind one NAT address may need more than one account."""
    if key.startswith("login:address:"):
        return settings.PHONEDASH_LOGIN_ADDRESS_FAILURES
    return settings.PHONEDASH_LOGIN_FAILURES


def locked_for(username: str, address: str) -> int:
    """Seconds until a login may be tried again for this account or address (0: not locked)."""
    now = time.time()
    try:
        until = cache.get_many([f"{key}:locked" for key in _keys(username, address)])
    except Exception:
        log.warning("cache unavailable: login throttling skipped")
        return 0
    # A lock whose deadline has passed but whose cache entry lingers (a TTL rounded up, clocks
    # of two hosts a little apart) no longer counts.
    return max([0, *(math.ceil(value - now) for value in until.values())])


def record_failure(username: str, address: str) -> None:
    window = settings.PHONEDASH_LOGIN_LOCKOUT_MINUTES * 60
    try:
        for key in _keys(username, address):
            count_key = f"{key}:failures"
            cache.add(count_key, 0, window)
            try:
                count = cache.incr(count_key)
            except ValueError:  # expired between add and incr
                cache.set(count_key, 1, window)
                count = 1
            if count >= _limit(key):
                cache.set(f"{key}:locked", time.time() + window, window)
                cache.delete(count_key)
                log.warning("login locked after %s failures (%s)", count, key.split(":")[1])
    except Exception:
        log.warning("cache unavailable: login failure not counted")


class ThrottledAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": "Too many failed sign-in attempts. For your security, signing in is "
        "paused for %(minutes)s more minute(s). Please try again later.",
    }

    retry_after = 0  # seconds, when the attempt was refused because signing in is paused

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        address = client_address(self.request)
        wait = locked_for(username, address)
        if wait:
            self.retry_after = wait
            raise forms.ValidationError(
                self.error_messages["throttled"],
                code="throttled",
                params={"minutes": max(1, math.ceil(wait / 60))},
            )
        try:
            return super().clean()
        except forms.ValidationError as error:
            if error.code == "invalid_login":
                record_failure(username, address)
            raise


class ThrottledLoginView(LoginView):
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        return refused(super().form_invalid(form), form)

    def get_success_url(self) -> str:
        """Where `next` says (checked by Django against open redirects), still embedded if the
        login happened inside the portal's frame."""
        url = super().get_success_url()
        return with_embed(url) if getattr(self.request, "embedded", False) else url


class ThrottledAdminAuthenticationForm(ThrottledAuthenticationForm, AdminAuthenticationForm):
    """The admin's login form (staff only), throttled like the dashboard's."""


@login_not_required
def admin_login(request, extra_context=None):
    """The admin's login view, answering 429 like ours while signing in is paused."""
    response = AdminSite.login(admin.site, request, extra_context)
    form = (getattr(response, "context_data", None) or {}).get("form")
    if form is not None and form.is_bound:
        refused(response, form)
    return response


def refused(response, form):
    """A login page re-shown because signing in is paused answers 429 with Retry-After."""
    if form.has_error("__all__", "throttled"):
        response.status_code = 429
        response["Retry-After"] = str(form.retry_after)
    return response
