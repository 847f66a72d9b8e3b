"""gunicorn settings for phonedash: `gunicorn -c gunicorn.conf.py phonedash.wsgi`.

Read from the environment like Django's settings, through phonedash.env, so a bad value stops
start-up with one line naming the variable. Options given on gunicorn's command line win.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from django.core.exceptions import ImproperlyConfigured  # noqa: E402

from phonedash.env import SettingError, env_int, env_list, env_str  # noqa: E402

MAX_DEFAULT_WORKERS = 8
# host:port, [ipv6]:port, or unix:/path/to/socket
_BIND_RE = re.compile(r"(?:unix:/\S+|(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5})")


def cores() -> int:
    """CPUs this process may run on (a container's limit, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def binds() -> list[str]:
    addresses = env_list("PHONEDASH_BIND", "127.0.0.1:8000")
    for address in addresses:
        port = address.rpartition(":")[2]
        if not _BIND_RE.fullmatch(address) or (
            not address.startswith("unix:") and not 1 <= int(port) <= 65535
        ):
            raise SettingError(
                "PHONEDASH_BIND",
                f"{address!r} is not HOST:PORT (like 127.0.0.1:8000) or unix:/path/to.sock",
            )
    return addresses


try:
    # Loopback by default: phonedash expects a reverse proxy (TLS) in front on the same host.
    # Behind a load balancer on another host, set PHONEDASH_BIND=0.0.0.0:8000.
    bind = binds()
    workers = env_int(
        "PHONEDASH_WORKERS", min(2 * cores() + 1, MAX_DEFAULT_WORKERS), minimum=1, maximum=64
    )
    threads = env_int("PHONEDASH_THREADS", 4, minimum=1, maximum=64)
    _control_socket = env_str("PHONEDASH_CONTROL_SOCKET")
    if _control_socket and not _control_socket.startswith("/"):
        raise SettingError("PHONEDASH_CONTROL_SOCKET", "expected an absolute path")
except SettingError as error:
    sys.exit(f"gunicorn.conf.py: {error}")

# Django's settings too, so a bad variable stops start-up with one line rather than a traceback.
try:
    importlib.import_module(os.environ.get("DJANGO_SETTINGS_MODULE", "phonedash.settings"))
except ImproperlyConfigured as error:
    sys.exit(f"phonedash: {error}")

# Threads, because a request mostly waits on Phone.inc (or on another request's fetch).
worker_class = "gthread"
chdir = str(ROOT)
wsgi_app = "phonedash.wsgi"
# Django loads in each worker, so `kill -HUP` (systemctl reload) brings in new code without
# dropping a request; its settings were already checked above, in the master.
preload_app = False

# A page may wait on Phone.inc twice (the call, then related calls), each up to the 10 s
# budget plus a wait on another worker's single-flight fetch: well under a minute in all.
timeout = 60
graceful_timeout = 30
keepalive = 5

# One line per request on stdout; the path only, never the query (it may hold phone numbers).
accesslog = "-"
errorlog = "-"
# The path as the request log writes it: a webhook's token masked (phonedash/accesslog.py).
logger_class = "phonedash.accesslog.AccessLogger"
access_log_format = (
    '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms %(p)s '
    'request_id=%({x-request-id}o)s "%(a)s"'
)

# gunicorn >= 25 opens a control socket in ~/.gunicorn by default, shared by every instance
# of the same user; off unless PHONEDASH_CONTROL_SOCKET names one for this instance.
if _control_socket:
    control_socket = _control_socket
control_socket_disable = not _control_socket

proc_name = "phonedash"
