"""The bare stack's settings: Django's own sessions (in the database), auth and login check.

The database, secret key and time zone settings are the dashboard's own (read from the same
environment by phonedash.settings), so the yardstick reads the same SQLite file, through a new
connection per request as the dashboard does, and decodes the same cookies.
"""

from __future__ import annotations

from phonedash import settings as deployed

DEBUG = False
SECRET_KEY = deployed.SECRET_KEY
ALLOWED_HOSTS = deployed.ALLOWED_HOSTS
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
]
ROOT_URLCONF = "bench.yardstick.urls"
WSGI_APPLICATION = "bench.yardstick.wsgi.application"
DATABASES = deployed.DATABASES
DEFAULT_AUTO_FIELD = deployed.DEFAULT_AUTO_FIELD
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = deployed.SESSION_COOKIE_AGE
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "/accounts/login/"
TIME_ZONE = deployed.TIME_ZONE
USE_TZ = deployed.USE_TZ
USE_I18N = deployed.USE_I18N
LOGGING_CONFIG = None  # nothing configured: the dashboard's request log is not the stack's
