"""gunicorn as deployed, without Redis (each worker's local memory cache), for tests that need
real worker processes: a Phone.inc that trickles, a worker's memory.

Built as the README's Deploy section says (migrate, createcompany, createmanager,
collectstatic, then gunicorn -c gunicorn.conf.py); tests.site.test_multiprocess runs the same with
two workers sharing Redis.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import ACME_KEY, PASSWORD
from tests.site.test_multiprocess import (
    MANAGER,
    SECRET_KEY,
    Deployment,
    free_port,
    gunicorn,
    run_manage,
)

__all__ = ["MANAGER", "PASSWORD", "Deployment", "gunicorn_without_redis"]


@contextlib.contextmanager
def gunicorn_without_redis(
    folder: Path, phone_inc_url: str, *, workers: int = 2, threads: int = 4, **variables: str
) -> Iterator[Deployment]:
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(folder),
        "PHONEDASH_SECRET_KEY": SECRET_KEY,
        "PHONEDASH_HTTPS": "0",
        "PHONEDASH_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "PHONE_INC_API_URL": phone_inc_url,
        "PHONEDASH_STATIC_ROOT": str(folder / "static"),
        "PHONEDASH_BIND": f"127.0.0.1:{port}",
        "PHONEDASH_WORKERS": str(workers),
        "PHONEDASH_THREADS": str(threads),
        **variables,
    }
    run_manage(env, "migrate", "--noinput")
    run_manage({**env, "PHONE_INC_API_KEY": ACME_KEY}, "createcompany", "Acme Corp")
    run_manage(
        {**env, "PHONEDASH_PASSWORD": PASSWORD}, "createmanager", MANAGER, "--company", "Acme Corp"
    )
    run_manage(env, "collectstatic", "--noinput")
    with gunicorn(env, folder) as served:
        yield served
