"""phonedash's settings, with database connections that give up after waiting a second on a
lock (PostgreSQL's lock_timeout, SQLite's busy timeout): a test that serves pages with them
turns any longer wait into an error page it can see (tests/history/test_purge_under_load.py)."""

from phonedash.settings import *  # noqa: F403
from phonedash.settings import DATABASES

LOCK_WAIT_MS = 1000

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"]["timeout"] = LOCK_WAIT_MS / 1000
else:
    DATABASES["default"]["OPTIONS"]["options"] = f"-c lock_timeout={LOCK_WAIT_MS}"
