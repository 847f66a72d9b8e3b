"""Sign-ins in the audit log: each success, and each failure for a user phonedash knows.

A failure is filed under the company of the user whose username was tried, so that its admins
see attempts on their members; an unknown username belongs to no company and is not logged
here (the login throttle still counts it). The password is never read: Django hands the
credentials over with it already masked, and only the username is looked at.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from calls import audit
from calls.models import AuditEvent


@receiver(user_logged_in, dispatch_uid="calls.audit.sign_in")
def sign_in(sender, request, user, **kwargs) -> None:
    audit.record(request, AuditEvent.SIGN_IN, user=user)


@receiver(user_login_failed, dispatch_uid="calls.audit.sign_in_failed")
def sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    User = get_user_model()
    username = credentials.get(User.USERNAME_FIELD)
    if not isinstance(username, str) or not username:
        return
    user = (
        User._default_manager.select_related("membership__company")
        .filter(**{User.USERNAME_FIELD: username})
        .first()
    )
    membership = getattr(user, "membership", None) if user is not None else None
    if membership is None:
        return
    audit.record(request, AuditEvent.SIGN_IN_FAILED, company=membership.company, user=user)
