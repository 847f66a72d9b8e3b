"""Each company's webhook token: the credential in the URL Phone.inc's webhook posts to.

32 random bytes, URL-safe. Kept encrypted like the API key (only the company's admins are shown
it, on the history page), and found by its digest, so that looking a token up never compares
secrets character by character; the found company's digest is then compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.db import transaction

from calls.models import Company, encryption

TOKEN_BYTES = 32


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_of(company: Company) -> str:
    """The company's token, made on first use."""
    if not company.hook_token_encrypted:
        return replace(company)
    return encryption.decrypt(company.hook_token_encrypted)


def replace(company: Company) -> str:
    """A new token for the company: the old one stops working at once."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with transaction.atomic():
        company.hook_token_encrypted = encryption.encrypt(token)
        company.hook_token_digest = digest(token)
        company.save(update_fields=["hook_token_encrypted", "hook_token_digest"])
    return token


def company_for(token: str) -> Company | None:
    """The company whose token this is, or None."""
    if not token or len(token) > 200:
        return None
    wanted = digest(token)
    company = Company.objects.filter(hook_token_digest=wanted).first()
    if company is None or not hmac.compare_digest(company.hook_token_digest or "", wanted):
        return None
    return company
