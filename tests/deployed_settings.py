"""The settings a deployment gets from its environment, computed in a clean subprocess.

Security settings are derived from environment variables at import time (the CSP from
PHONEDASH_FRAME_ANCESTORS and PHONE_INC_API_URL, cookie flags from PHONEDASH_HTTPS, ...).
Reading them from a fresh interpreter tests that derivation honestly; tests then apply the
result in-process with override_settings to see what responses carry.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "a-deployment-secret-key-long-and-random-enough-for-check-deploy-0123456789"

SECURITY_SETTINGS = (
    "SECURE_CSP",
    "PHONEDASH_FRAME_ANCESTORS",
    "PHONEDASH_MEDIA_ORIGINS",
    "X_FRAME_OPTIONS",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SAMESITE",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_AGE",
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_REDIRECT_EXEMPT",
)


def clean_env(**variables: str) -> dict[str, str]:
    """Only what a deployment would set: no test settings, no variables of this shell."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "phonedash.settings",
        "PHONEDASH_SECRET_KEY": SECRET_KEY,
    }
    env.update(variables)
    return env


def run_manage(*args: str, **variables: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean_env(**variables),
        capture_output=True,
        text=True,
        timeout=60,
    )


def settings_from_env(**variables: str) -> dict[str, object]:
    """SECURITY_SETTINGS as phonedash.settings computes them from these variables."""
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {SECURITY_SETTINGS!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean_env(**variables),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    if values["SECURE_PROXY_SSL_HEADER"] is not None:
        values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return {name: value for name, value in values.items() if value is not None}


def parse_csp(header: str) -> dict[str, list[str]]:
    policy = {}
    for directive in filter(None, (part.strip() for part in header.split(";"))):
        name, *sources = directive.split()
        policy[name] = sources
    return policy
