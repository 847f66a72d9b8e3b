"""The signed-in member's own password change, which also ends a one-time password's term.

A member added on the Team page signs in with a password an admin saw once; until they choose
their own, every product page sends them here (calls.accounts.tenancy.company_required).
"""

from __future__ import annotations

from django.contrib.auth import update_session_auth_hash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from calls.accounts.login_throttle import ThrottledPasswordChangeForm, refused
from calls.models import Membership
from phonedash.urlquery import with_embed


@require_http_methods(["GET", "POST"])
@sensitive_post_parameters()
@never_cache
def password_change(request: HttpRequest) -> HttpResponse:
    membership = Membership.objects.filter(user=request.user).first()
    must_change = membership is not None and membership.must_change_password
    data = request.POST if request.method == "POST" else None
    form = ThrottledPasswordChangeForm(request.user, data, request=request)
    if form.is_bound and form.is_valid():
        form.save()
        update_session_auth_hash(request, form.user)  # this session stays signed in
        if must_change:
            Membership.objects.filter(pk=membership.pk).update(must_change_password=False)
        done = reverse("password_change_done")
        return redirect(with_embed(done) if getattr(request, "embedded", False) else done)
    context = {"form": form, "must_change": must_change}
    status = 400 if form.is_bound else 200
    response = render(request, "registration/password_change_form.html", context, status=status)
    return refused(response, form)  # 429 while wrong old passwords have paused the account
