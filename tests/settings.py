"""Test settings: the real settings module, read with a test environment.

Only what a test run needs differs: a fixed secret key, plain HTTP, a fast password hasher.
DATABASE_URL and REDIS_URL pass through, so CI runs the same suite on PostgreSQL and Redis.
"""

import os

os.environ.setdefault(
    "PHONEDASH_SECRET_KEY", "test-secret-key-that-is-long-enough-for-django-checks"
)
os.environ.setdefault("PHONEDASH_HTTPS", "0")
os.environ.setdefault("PHONEDASH_DEBUG", "0")

from phonedash.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
