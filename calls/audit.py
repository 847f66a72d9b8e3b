"""The audit log: one AuditEvent per audited action, written here and nowhere else."""

from __future__ import annotations

import ipaddress
import logging

from calls.models import AuditEvent, Company
from phonedash.proxies import client_address

log = logging.getLogger("phonedash.audit")
DETAIL_MAX = AuditEvent._meta.get_field("detail").max_length


def record(
    request,
    action: str,
    *,
    company: Company | None = None,
    user=None,
    call_id: str = "",
    detail: str = "",
) -> AuditEvent | None:
    """Log `action` by the request's user (or `user`) in their company (or `company`).

    Returns None, writing nothing, when there is no company to file it under (a user without
    one): the audit log is per company and read by that company's admins only.
    """
    user = user if user is not None else getattr(request, "user", None)
    if company is None:
        membership = getattr(user, "membership", None) if user is not None else None
        company = membership.company if membership is not None else None
    if company is None:
        return None
    username = user.get_username() if user is not None and user.is_authenticated else ""
    return AuditEvent.objects.create(
        company=company,
        user=user if user is not None and user.pk else None,
        username=username or (user.get_username() if user is not None else ""),
        action=action,
        call_id=call_id,
        detail=detail[:DETAIL_MAX],
        address=_address(request),
    )


def _address(request) -> str | None:
    """The caller's address as the login throttle reads it, when it is an IP address."""
    if request is None:
        return None
    try:
        return str(ipaddress.ip_address(client_address(request)))
    except ValueError:
        return None
