"""phonedash settings: everything an operator sets comes from the environment.

Each variable is read once, here, through the typed helpers in ``phonedash.env``; a bad value
stops start-up with a message naming the variable. The README's configuration table lists them.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.utils.csp import CSP

from phonedash.env import (
    SettingError,
    env_bool,
    env_int,
    env_list,
    env_number,
    env_origins,
    env_str,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent

# --- Core -------------------------------------------------------------------------------------

DEBUG = env_bool("PHONEDASH_DEBUG", False)
SECRET_KEY = env_str("PHONEDASH_SECRET_KEY")
if SECRET_KEY is None:
    if not DEBUG:
        raise SettingError(
            "PHONEDASH_SECRET_KEY",
            "is required unless PHONEDASH_DEBUG=1; generate one with "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'",
        )
    SECRET_KEY = "insecure-development-key-only-for-PHONEDASH_DEBUG=1-never-in-production"
elif len(SECRET_KEY) < 32:
    raise SettingError("PHONEDASH_SECRET_KEY", "must be at least 32 characters long")
# Old keys go here during a rotation: sessions stay valid and stored API keys still decrypt
# until `manage.py rotatekeys` has re-encrypted them with the new key.
SECRET_KEY_FALLBACKS = env_list("PHONEDASH_SECRET_KEY_FALLBACKS")

ALLOWED_HOSTS = env_list("PHONEDASH_ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_origins("PHONEDASH_CSRF_TRUSTED_ORIGINS")
HTTPS = env_bool("PHONEDASH_HTTPS", not DEBUG)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "calls",
]

MIDDLEWARE = [
    # First, so its log line covers the whole request and carries the final status.
    "phonedash.requestlog.RequestLogMiddleware",
    # Outside everything that writes a body: text compressed last (the README on BREACH).
    "phonedash.compression.TextGZipMiddleware",
    "phonedash.middleware.SecurityHeadersMiddleware",
    # Inside it, so a forced theme's cookie is Partitioned in a portal's frame too.
    "phonedash.theme.ThemeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise and CommonMiddleware, so static files (the SVG favicon too) and the
    # 400 for a bad Host header carry the framing and script policy as well.
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A signed-in member's pages: Cache-Control: private, no-store and Vary: Cookie.
    "phonedash.middleware.PrivateResponsesMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # An expired session on an htmx request: the whole window to the login page, not a swap.
    "phonedash.middleware.HtmxLoginRedirectMiddleware",
]

ROOT_URLCONF = "phonedash.urls"
WSGI_APPLICATION = "phonedash.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "calls.layout.context",
            ],
        },
    },
]

# --- Data -------------------------------------------------------------------------------------

_database_url = env_url(
    "DATABASE_URL",
    f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
    schemes=("sqlite", "postgres", "postgresql", "pgsql"),
)
try:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
except ValueError as error:
    raise SettingError("DATABASE_URL", str(error)) from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # WAL with NORMAL sync: a commit (a note, the audit event of every export) does not wait
    # for the disk, and writers queue for the one write lock far less; the file still never
    # corrupts, and only an OS crash or a power cut can lose the last commits.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    }
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # A database that does not answer must fail a request (and /readyz) quickly, not hang it.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_url("REDIS_URL", None, schemes=("redis", "rediss", "unix"))
# Seconds Redis may take to accept a connection, and to answer each operation: it answers in
# about a millisecond, so one that takes longer is down (the cache is then skipped for a few
# seconds) and a page goes on to Phone.inc within its budget.
PHONEDASH_REDIS_TIMEOUT = env_number("PHONEDASH_REDIS_TIMEOUT", 0.5, minimum=0.05, maximum=5)
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's, with short socket timeouts (PHONEDASH_REDIS_TIMEOUT), reused clients
            # and the atomic counters and indexes calls.answers.shared uses.
            "BACKEND": "phonedash.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "phonedash",
        }
    }
else:
    CACHES = {
        "default": {
            # Django's local-memory cache, bounded in bytes too: a worker's memory budget holds
            # whatever the answers hold (phonedash/locmem_cache.py).
            "BACKEND": "phonedash.locmem_cache.LocMemCache",
            "LOCATION": "phonedash",
            "KEY_PREFIX": "phonedash",
            "OPTIONS": {"MAX_ENTRIES": 5000, "MAX_BYTES": 16 * 1024 * 1024},
        }
    }

# --- Phone.inc --------------------------------------------------------------------------------

PHONE_INC_API_URL = env_url(
    "PHONE_INC_API_URL", "https://app.phone.inc/api/v1", schemes=("http", "https")
).rstrip("/")
PHONEDASH_CACHE_SECONDS = env_int("PHONEDASH_CACHE_SECONDS", 15, minimum=0, maximum=3600)
# How long an expired answer is kept to show, marked stale, when Phone.inc fails.
PHONEDASH_STALE_SECONDS = env_int("PHONEDASH_STALE_SECONDS", 3600, minimum=0, maximum=7 * 86400)
PHONEDASH_UPSTREAM_TIMEOUT = env_number("PHONEDASH_UPSTREAM_TIMEOUT", 8, minimum=0.5, maximum=9.5)
# A page never waits longer than this for Phone.inc in all, retries included.
PHONEDASH_UPSTREAM_BUDGET = 10.0
# Each company's share (calls.answers.store, calls.answers.quotas): answers it keeps in the
# shared cache (its own oldest go first, never another company's), and requests phonedash makes
# to Phone.inc for it per minute.
PHONEDASH_CACHE_ANSWERS_PER_COMPANY = env_int(
    "PHONEDASH_CACHE_ANSWERS_PER_COMPANY", 100, minimum=10, maximum=10000
)
PHONEDASH_COMPANY_REQUESTS_PER_MINUTE = env_int(
    "PHONEDASH_COMPANY_REQUESTS_PER_MINUTE", 600, minimum=10, maximum=100000
)
# Searches of the call list one member may send to Phone.inc per minute (answers already in the
# cache do not count): below the company's share, so one member's flood slows that member
# before it slows anyone else.
PHONEDASH_SEARCHES_PER_MINUTE = env_int(
    "PHONEDASH_SEARCHES_PER_MINUTE", 30, minimum=1, maximum=100000
)
# Notes one member may add per minute: a person writes a few; a script left running is stopped
# before a call's notes or the callbacks board fill with thousands.
PHONEDASH_NOTES_PER_MINUTE = env_int("PHONEDASH_NOTES_PER_MINUTE", 20, minimum=1, maximum=100000)

# --- Call history -----------------------------------------------------------------------------

# How often each company with a call history is synced (`manage.py synccalls`), and after how
# long a worker that died loses its companies to another.
PHONEDASH_SYNC_SECONDS = env_int("PHONEDASH_SYNC_SECONDS", 15, minimum=1, maximum=3600)
PHONEDASH_SYNC_LEASE = env_int("PHONEDASH_SYNC_LEASE", 60, minimum=2, maximum=3600)

# --- Auth -------------------------------------------------------------------------------------

# ModelBackend, loading the user's company with the user (one query for both, on every page).
AUTHENTICATION_BACKENDS = ["calls.accounts.backend.CompanyUserBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "calls:list"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PHONEDASH_LOGIN_FAILURES = env_int("PHONEDASH_LOGIN_FAILURES", 5, minimum=1, maximum=1000)
# From one address (all of an office behind NAT shares one): the same by default;
# raise it where many managers sign in from one address.
PHONEDASH_LOGIN_ADDRESS_FAILURES = env_int(
    "PHONEDASH_LOGIN_ADDRESS_FAILURES", PHONEDASH_LOGIN_FAILURES, minimum=1, maximum=10000
)
PHONEDASH_LOGIN_LOCKOUT_MINUTES = env_int(
    "PHONEDASH_LOGIN_LOCKOUT_MINUTES", 15, minimum=1, maximum=24 * 60
)
SESSION_ENGINE = "phonedash.sessions"
# How long audit events are kept: `manage.py purgeaudit` (run daily from cron) removes older ones.
PHONEDASH_AUDIT_DAYS = env_int("PHONEDASH_AUDIT_DAYS", 365, minimum=1, maximum=100 * 365)
SESSION_COOKIE_AGE = 3600 * env_int("PHONEDASH_SESSION_HOURS", 12, minimum=1, maximum=24 * 90)

# --- Security ---------------------------------------------------------------------------------

PHONEDASH_FRAME_ANCESTORS = env_origins("PHONEDASH_FRAME_ANCESTORS")
_api_origin = "{0.scheme}://{0.netloc}".format(urlsplit(PHONE_INC_API_URL))
# Where recordings may be played from: /calls/<id>/recording/ redirects to Phone.inc's storage.
PHONEDASH_MEDIA_ORIGINS = env_origins("PHONEDASH_MEDIA_ORIGINS") or [_api_origin]

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "media-src": [CSP.SELF, *PHONEDASH_MEDIA_ORIGINS],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
    "frame-ancestors": PHONEDASH_FRAME_ANCESTORS or [CSP.NONE],
}
X_FRAME_OPTIONS = (
    "DENY"  # dropped by SecurityHeadersMiddleware when PHONEDASH_FRAME_ANCESTORS is set
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
PHONEDASH_PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)
SESSION_COOKIE_HTTPONLY = True
# Cross-site portals need third-party cookies: SameSite=None; Secure; Partitioned (the last
# added by SecurityHeadersMiddleware, Django has no setting for it). Without a portal: Lax.
_embedded = bool(PHONEDASH_FRAME_ANCESTORS)
SESSION_COOKIE_SAMESITE = "None" if _embedded else "Lax"
CSRF_COOKIE_SAMESITE = "None" if _embedded else "Lax"
SESSION_COOKIE_SECURE = HTTPS or _embedded
CSRF_COOKIE_SECURE = HTTPS or _embedded
CSRF_COOKIE_HTTPONLY = False  # htmx reads no cookie; the token travels in hx-headers
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

# --- Pages ------------------------------------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
# Where `manage.py collectstatic` writes and WhiteNoise serves from (hashed, compressed).
STATIC_ROOT = Path(env_str("PHONEDASH_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
if not STATIC_ROOT.is_absolute():
    raise SettingError("PHONEDASH_STATIC_ROOT", "expected an absolute path")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Logging ----------------------------------------------------------------------------------

PHONEDASH_LOG_FORMAT = env_str("PHONEDASH_LOG_FORMAT", "text")
if PHONEDASH_LOG_FORMAT not in ("text", "json"):
    raise SettingError(
        "PHONEDASH_LOG_FORMAT", f"expected text or json, got {PHONEDASH_LOG_FORMAT!r}"
    )
PHONEDASH_LOG_LEVEL = env_str("PHONEDASH_LOG_LEVEL", "INFO").upper()
if PHONEDASH_LOG_LEVEL not in ("DEBUG", "INFO", "WARNING", "ERROR"):
    raise SettingError("PHONEDASH_LOG_LEVEL", "expected DEBUG, INFO, WARNING or ERROR")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "secrets": {"()": "phonedash.redaction.RedactSecrets"},
        "request_id": {"()": "phonedash.logformat.RequestIdFilter"},
    },
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "phonedash.logformat.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": PHONEDASH_LOG_FORMAT,
            "filters": ["secrets", "request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "phonedash": {"level": PHONEDASH_LOG_LEVEL},
        "django": {"level": "INFO"},
        # Django's default config stops runserver's lines from propagating; they must reach the
        # console handler (and its secrets filter), not Python's unfiltered last resort.
        "django.server": {"level": "WARNING", "propagate": True},
        # urllib3 at DEBUG would print every request line; keep it quiet whatever the level.
        "urllib3": {"level": "WARNING"},
    },
}

CSRF_FAILURE_VIEW = "phonedash.error_pages.csrf_failure"
# Reverse proxies in front of phonedash that append to X-Forwarded-For (0: use REMOTE_ADDR).
PHONEDASH_PROXY_COUNT = env_int("PHONEDASH_PROXY_COUNT", 0, minimum=0, maximum=5)
