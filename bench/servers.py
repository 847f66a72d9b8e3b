"""Everything a bench run serves: Redis, a temp database and static root, gunicorn instances.

Each piece listens on a free port of its own and is stopped by the bench, whatever happens, so
a run never collides with a developer's demo on 8000/8001 or with another run.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
START_TIMEOUT = 30


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

    def stop(self) -> None:
        stop(self.process)


def base_env(workdir: Path, api_url: str) -> dict[str, str]:
    """The environment an operator would set, pointed at the bench's own database and simulator."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PHONEDASH_", "DJANGO_", "DATABASE_URL", "REDIS_URL"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        PHONEDASH_SECRET_KEY=secrets.token_urlsafe(50),
        PHONEDASH_DEBUG="0",
        PHONEDASH_HTTPS="0",
        PHONEDASH_ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=f"sqlite:///{workdir / 'db.sqlite3'}",
        PHONEDASH_BENCH_STATIC_ROOT=str(workdir / "static"),
        PHONE_INC_API_URL=api_url,
    )
    return env


def prepare(env: dict[str, str], workdir: Path) -> None:
    """Migrate and seed the temp database (the demo's companies and logins), collect static."""
    for command in (["demo", "--no-serve"], ["collectstatic", "--noinput", "-v", "0"]):
        result = subprocess.run(
            [PYTHON, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True
        )
        if result.returncode:
            raise RuntimeError(f"manage.py {command[0]} failed:\n{result.stderr[-2000:]}")


class Gunicorn:
    """gunicorn as deployed (gunicorn.conf.py when present), on a free port, 2 workers."""

    def __init__(self, name: str, env: dict[str, str], workdir: Path, workers: int = 2) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / f"gunicorn-{name}.log"
        env = {
            **env,
            "PHONEDASH_BIND": f"127.0.0.1:{self.port}",
            "PHONEDASH_WORKERS": str(workers),
        }
        if (ROOT / "gunicorn.conf.py").exists():
            self.config = "gunicorn.conf.py"
            command = ["-c", "gunicorn.conf.py"]
        else:
            self.config = "gthread, 4 threads"
            command = ["--bind", env["PHONEDASH_BIND"], "--workers", str(workers)]
            command += ["--worker-class", "gthread", "--threads", "4", "phonedash.wsgi"]
        self.process = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", *command, "--no-control-socket"],
            cwd=ROOT,
            env=env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
        )
        self.workers = workers
        wait_until(self._ready, f"gunicorn ({name})", self.process, self.log)

    def _ready(self) -> bool:
        try:
            answered = requests.get(f"{self.url}/healthz", timeout=1).ok
        except requests.RequestException:
            return False
        return answered and len(self.worker_pids()) == self.workers

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
