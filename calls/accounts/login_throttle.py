"""Login throttling: too many failures for an account or from an address pause it for a while.

Both sign-in pages (the dashboard's and the admin's) and both password-change forms count an
attempt before checking its password (calls.accounts.login_counters, in the database, so the limit
holds exactly across workers and hosts, with or without Redis); a wrong old password counts
as a failed sign-in for that account. A refused attempt re-shows the same page, in the portal's
frame too, with a message saying for how long, and answers 429 with Retry-After.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.contrib.auth.views import LoginView, PasswordChangeView
from django.db import DatabaseError
from django.urls import reverse

from calls.accounts import login_counters
from phonedash.proxies import client_address
from phonedash.urlquery import with_embed

log = logging.getLogger("phonedash.security")

# When the counters cannot be written, an attempt is refused unchecked: try again after this.
UNAVAILABLE_RETRY_SECONDS = 30
BUSY_MESSAGE = "Too many attempts at once for this account. Please try again in a few seconds."
UNAVAILABLE_MESSAGE = "Signing in is not possible right now. Please try again in a moment."


class CountedAttempts:
    """What the throttled forms share: count the attempt, check the password, settle the count.

    `refusal_status` (429, or 503 when the counters cannot be written) and `retry_after`
    (seconds) are set when the attempt was refused without its password being checked.
    """

    request: Any
    error_messages: dict[str, str]
    refusal_status = 0
    retry_after = 0

    def counted(self, username: str, check: Callable[[], Any], wrong_password: str) -> Any:
        """`check()`'s result; a ValidationError coded `wrong_password` counts as a failure."""
        try:
            reservation = login_counters.reserve(username, client_address(self.request))
        except login_counters.Busy as busy:
            raise self._refused(429, busy.seconds, BUSY_MESSAGE) from None
        except login_counters.Paused as paused:
            minutes = max(1, math.ceil(paused.seconds / 60))
            message = self.error_messages["throttled"] % {"minutes": minutes}
            raise self._refused(429, paused.seconds, message) from None
        except DatabaseError as error:
            log.error("login counters unavailable (%s): attempt refused", type(error).__name__)
            raise self._refused(503, UNAVAILABLE_RETRY_SECONDS, UNAVAILABLE_MESSAGE) from None
        try:
            result = check()
        except forms.ValidationError as error:
            if error.code == wrong_password:
                reservation.failed()
            else:
                reservation.released()
            raise
        except BaseException:
            reservation.released()
            raise
        reservation.released()
        return result

    def _refused(self, status: int, seconds: int, message: str) -> forms.ValidationError:
        self.refusal_status, self.retry_after = status, seconds
        return forms.ValidationError(message, code="throttled")


class ThrottledAuthenticationForm(CountedAttempts, AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": "Too many failed sign-in attempts. For your security, signing in is "
        "paused for %(minutes)s more minute(s). Please try again later.",
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        if not username or not self.cleaned_data.get("password"):
            return super().clean()  # nothing to check: the form says what is missing
        return self.counted(username, super().clean, "invalid_login")


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


class ThrottledPasswordChangeForm(CountedAttempts, PasswordChangeForm):
    """The signed-in member's password change: a wrong old password is a failed sign-in for
    the account, and the form is refused while the account or the address is paused."""

    error_messages = {
        **PasswordChangeForm.error_messages,
        "throttled": "Too many wrong passwords. For your security, changing the password is "
        "paused for %(minutes)s more minute(s). Please try again later.",
    }

    def __init__(self, user, *args, request, **kwargs) -> None:
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self):
        check = super().clean_old_password
        return self.counted(self.user.get_username(), check, "password_incorrect")

    def clean(self):
        """A new password must be new: keeping a one-time password an admin saw would leave
        the account in the admin's hands."""
        cleaned = super().clean()
        new = cleaned.get("new_password2")
        if new and "old_password" in cleaned and self.user.check_password(new):
            self.add_error(
                "new_password2",
                forms.ValidationError(
                    "Choose a new password: this is the password you have now.",
                    code="password_unchanged",
                ),
            )
        return cleaned


class ThrottledAdminPasswordChangeForm(ThrottledPasswordChangeForm):
    required_css_class = "required"  # as the admin's own form


class ThrottledPasswordChangeView(PasswordChangeView):
    form_class = ThrottledAdminPasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_invalid(self, form):
        return refused(super().form_invalid(form), form)


def admin_password_change(request, extra_context=None):
    """The admin's own password change (AdminSite.password_change), throttled like ours."""
    request.current_app = admin.site.name
    return ThrottledPasswordChangeView.as_view(
        success_url=reverse("admin:password_change_done", current_app=admin.site.name),
        extra_context={**admin.site.each_context(request), **(extra_context or {})},
    )(request)


def refused(response, form):
    """A page re-shown because its attempt was refused unchecked answers 429 (503 when the
    counters cannot be written) with Retry-After."""
    status = getattr(form, "refusal_status", 0)
    if status:
        response.status_code = status
        response["Retry-After"] = str(form.retry_after)
    return response
