"""Encryption at rest for companies' Phone.inc API keys.

Fernet keys are derived from Django's SECRET_KEY and SECRET_KEY_FALLBACKS, so rotating the
secret key the Django way (new key, old one in the fallbacks) keeps stored API keys readable;
``manage.py rotatekeys`` then re-encrypts them with the new key.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

from calls import memo


class UndecryptableKey(Exception):
    """The stored key was encrypted with a secret key this deployment no longer knows."""


def _fernet_key(secret: str) -> bytes:
    digest = hashlib.sha256(b"phonedash.company-api-key:" + secret.encode()).digest()
    return base64.urlsafe_b64encode(digest)


# One cipher per set of secret keys in use: the settings change only in tests.
_ciphers: memo.Memo[tuple, MultiFernet] = memo.Memo(
    "ciphers", entries=4, max_bytes=4 * memo.SMALL_ENTRY_BYTES, sizeof=memo.small
)


@_ciphers.memoise
def _cipher(secrets: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(_fernet_key(secret)) for secret in secrets])


def cipher() -> MultiFernet:
    return _cipher((settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS))


def encrypt(plaintext: str) -> str:
    return cipher().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return cipher().decrypt(token.encode()).decode()
    except InvalidToken:
        raise UndecryptableKey(
            "The stored API key cannot be decrypted with the configured secret keys."
        ) from None


def rotate(token: str) -> str:
    """The same plaintext, encrypted with the current secret key."""
    try:
        return cipher().rotate(token.encode()).decode()
    except InvalidToken:
        raise UndecryptableKey(
            "The stored API key cannot be decrypted with the configured secret keys."
        ) from None
