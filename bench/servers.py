"""Everything a bench run serves: Redis, a temp database and static root, gunicorn instances.

Each piece listens on a free port of its own and is stopped by the bench, whatever happens, so
a run never collides with a developer's demo on 8000/8001 or with another run.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis
import requests

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
START_TIMEOUT = 60
# As deployed (the README's "Running it"): gunicorn.conf.py's gthread workers, 2 of them on
# this 2-core machine, 4 threads each.
WORKERS = 2
THREADS = 4


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(ready, what: str, process: subprocess.Popen, log: Path | None = None) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text()[-2000:] if log and log.exists() else ""
            raise RuntimeError(f"{what} exited with {process.returncode}\n{tail}")
        if ready():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not start within {START_TIMEOUT} s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Redis:
    """A throwaway redis-server: no persistence, loopback only. None of it outlives the run."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.log = workdir / "redis.log"
        command = [
            "redis-server",
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--dir", str(workdir),
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command, stdout=self.log.open("w"), stderr=subprocess.STDOUT
        )
        wait_until(self._answers, "redis-server", self.process, self.log)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self, db: int) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, db=db)

    def used_memory(self) -> int:
        """Bytes the server holds for data and its own bookkeeping (INFO memory)."""
        return int(self.client(0).info("memory")["used_memory"])

    def stop(self) -> None:
        stop(self.process)


class Postgres:
    """A throwaway PostgreSQL cluster (initdb in the run's folder, loopback only, trust
    authentication), as the history's budgets are measured on PostgreSQL. Run as root, it runs
    as the `postgres` user, which PostgreSQL insists on. None of it outlives the run."""

    def __init__(self, workdir: Path) -> None:
        binaries = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        if not binaries:
            raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
        self.bin = binaries[-1].parent
        self.port = free_port()
        # A folder of its own outside the run's (private) one, which the postgres user can reach.
        self.folder = Path(tempfile.mkdtemp(prefix="phonedash-bench-postgres-"))
        self.log = workdir / "postgres.log"
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as:
            shutil.chown(self.folder, "postgres")
            self.log.touch()
            shutil.chown(self.log, "postgres")
        subprocess.run(
            [*self._as, str(self.bin / "initdb"), "-D", str(self.folder / "data"), "-A", "trust",
             "-U", "postgres", "--no-sync"],
            check=True, capture_output=True,
        )  # fmt: skip
        self.process = subprocess.Popen(
            [*self._as, str(self.bin / "postgres"), "-D", str(self.folder / "data"),
             "-p", str(self.port), "-k", str(self.folder), "-c", "listen_addresses=127.0.0.1",
             "-c", "shared_buffers=512MB", "-c", "max_connections=200"],
            stdout=self.log.open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_until(self._answers, "postgres", self.process, self.log)

    def _answers(self) -> bool:
        result = subprocess.run(
            [str(self.bin / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)],
            capture_output=True,
        )
        return result.returncode == 0

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def create(self, database: str) -> str:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{database}"')
        return self.url(database)

    def stop(self) -> None:
        stop(self.process)
        shutil.rmtree(self.folder, ignore_errors=True)


def base_env(workdir: Path, api_url: str) -> dict[str, str]:
    """The environment an operator would set, pointed at the bench's own database and simulator."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PHONEDASH_", "DJANGO_", "DATABASE_URL", "REDIS_URL"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="phonedash.settings",
        PHONEDASH_SECRET_KEY=secrets.token_urlsafe(50),
        PHONEDASH_DEBUG="0",
        PHONEDASH_HTTPS="0",
        PHONEDASH_ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=f"sqlite:///{workdir / 'db.sqlite3'}",
        PHONEDASH_STATIC_ROOT=str(workdir / "static"),
        PHONE_INC_API_URL=api_url,
    )
    return env


def manage(env: dict[str, str], *command: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode:
        raise RuntimeError(f"manage.py {command[0]} failed:\n{result.stderr[-2000:]}")
    return result.stdout


def prepare(env: dict[str, str]) -> None:
    """Migrate and seed the temp database (the demo's companies and logins), collect static."""
    manage(env, "demo", "--no-serve")
    manage(env, "collectstatic", "--noinput", "-v", "0")


def seed(env: dict[str, str], *args: str) -> object:
    """`python -m bench.seed ARGS` in Django (see bench.seed); its JSON answer."""
    result = subprocess.run(
        [PYTHON, "-m", "bench.seed", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode:
        raise RuntimeError(f"bench.seed {args[0]} failed:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout)


class Gunicorn:
    """gunicorn as deployed: gunicorn.conf.py, on a free port, 2 gthread workers × 4 threads.

    `app` is the WSGI application: the dashboard's, or the yardstick's (bench.yardstick), which
    then runs under exactly the same gunicorn settings.
    """

    def __init__(
        self, name: str, env: dict[str, str], workdir: Path, app: str = "phonedash.wsgi"
    ) -> None:
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / f"gunicorn-{name}.log"
        env = {
            **env,
            "PHONEDASH_BIND": f"127.0.0.1:{self.port}",
            "PHONEDASH_WORKERS": str(WORKERS),
            "PHONEDASH_THREADS": str(THREADS),
        }
        self.process = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--no-control-socket", app],
            cwd=ROOT,
            env=env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
        )
        wait_until(self._ready, f"gunicorn ({name})", self.process, self.log)

    def _ready(self) -> bool:
        try:
            requests.get(f"{self.url}/healthz", timeout=1)
        except requests.RequestException:
            return False
        return len(self.worker_pids()) == WORKERS

    def worker_pids(self) -> list[int]:
        """The master's children, read from /proc (gunicorn workers are plain forks)."""
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rpartition(")")[2].split()[1])
            if ppid == self.process.pid:
                pids.append(int(entry.name))
        return sorted(pids)

    def stop(self) -> None:
        stop(self.process)


def cleanup(workdir: Path) -> None:
    shutil.rmtree(workdir, ignore_errors=True)
