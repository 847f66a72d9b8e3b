"""gunicorn with two workers sharing Redis, as deployed: single flight and login locks hold
across processes, static files are hashed and compressed, /readyz answers.

The deployment is built the way the README's Deploy section says: migrate, createcompany and
createmanager from the environment, collectstatic, then gunicorn -c gunicorn.conf.py.
gunicorn's access log names the worker (pid) that served each request id, so the tests can
show that both workers took part.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.conftest import ACME_KEY, PASSWORD
from tests.redis_server import redis_for_tests

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "multiprocess-test-secret-key-long-enough-0123456789abcdef"
MANAGER = "manager"
ACCESS_LINE_RE = re.compile(
    r'"(?P<method>[A-Z]+) (?P<path>\S+) [^"]*" (?P<status>\d{3}) .*?'
    r"<(?P<pid>\d+)> request_id=(?P<request_id>\S+)"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Deployment:
    url: str
    process: subprocess.Popen
    log: Path

    def served_by(self, response: requests.Response) -> tuple[int, int]:
        """(worker pid, status) of a response, from gunicorn's access log.

        gunicorn writes the line once the response is sent, so it may lag a moment behind.
        """
        request_id = response.headers["X-Request-ID"]
        deadline = time.monotonic() + 5
        while True:
            for line in self.log.read_text(errors="replace").splitlines():
                match = ACCESS_LINE_RE.search(line)
                if match and match["request_id"] == request_id:
                    return int(match["pid"]), int(match["status"])
            assert time.monotonic() < deadline, f"no access log line for {request_id}"
            time.sleep(0.05)

    def worker(self, response: requests.Response) -> int:
        return self.served_by(response)[0]

    def get(self, path: str, session: requests.Session | None = None, **kwargs):
        return self._send("GET", path, session, **kwargs)

    def post(self, path: str, session: requests.Session | None = None, **kwargs):
        return self._send("POST", path, session, **kwargs)

    def _send(self, method: str, path: str, session, headers=None, **kwargs):
        """Each call on a fresh connection (so either worker may take it), with its own id."""
        headers = {"X-Request-ID": uuid.uuid4().hex, "Connection": "close", **(headers or {})}
        with requests.Session() as fresh:
            if session is not None:
                fresh.cookies.update(session.cookies)
            response = fresh.request(
                method,
                self.url + path,
                headers=headers,
                timeout=30,
                allow_redirects=False,
                **kwargs,
            )
            if session is not None:
                session.cookies.update(fresh.cookies)
        assert response.headers["X-Request-ID"] == headers["X-Request-ID"]
        return response


def run_manage(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    """`manage.py args` in `env`, which must succeed; what it printed."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, f"manage.py {args[0]}: {result.stderr[-2000:]}"
    return result.stdout


@contextlib.contextmanager
def deployed(simulator_url: str, folder: Path, redis_url: str | None) -> Iterator[Deployment]:
    """phonedash under gunicorn with two workers, deployed as the README says; without
    `redis_url` the workers share only the database (and each has its own local cache)."""
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(folder),
        "PHONEDASH_SECRET_KEY": SECRET_KEY,
        "PHONEDASH_HTTPS": "0",  # plain HTTP on loopback; TLS is the proxy's
        "PHONEDASH_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "PHONE_INC_API_URL": simulator_url,
        "PHONEDASH_STATIC_ROOT": str(folder / "static"),
        "PHONEDASH_BIND": f"127.0.0.1:{port}",
        "PHONEDASH_WORKERS": "2",
        "PHONEDASH_THREADS": "4",
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    run_manage(env, "migrate", "--noinput")
    run_manage({**env, "PHONE_INC_API_KEY": ACME_KEY}, "createcompany", "Acme Corp")
    run_manage(
        {**env, "PHONEDASH_PASSWORD": PASSWORD}, "createmanager", MANAGER, "--company", "Acme Corp"
    )
    run_manage(env, "collectstatic", "--noinput")

    with gunicorn(env, folder) as served:
        yield served


@contextlib.contextmanager
def gunicorn(env: dict[str, str], folder: Path) -> Iterator[Deployment]:
    """gunicorn -c gunicorn.conf.py in `env` (PHONEDASH_BIND names its port), its log in
    `folder`, once /healthz answers; stopped with SIGTERM (then SIGKILL) at the end."""
    log = folder / "gunicorn.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--no-control-socket"]
            + ["phonedash.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        served = Deployment(f"http://{env['PHONEDASH_BIND']}", process, log)
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, f"gunicorn exited:\n{log.read_text()}"
            with contextlib.suppress(requests.ConnectionError):
                if served.get("/healthz").status_code == 200:
                    break
            assert time.monotonic() < deadline, f"gunicorn did not start:\n{log.read_text()}"
            time.sleep(0.2)
        yield served
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


@pytest.fixture(scope="module")
def deployment(served_simulator, tmp_path_factory):
    redis_url = redis_for_tests()
    _sim, simulator_server = served_simulator
    with deployed(simulator_server.url, tmp_path_factory.mktemp("deployment"), redis_url) as served:
        yield served


def log_in(deployment: Deployment, username: str = MANAGER) -> requests.Session:
    session = requests.Session()
    deployment.get("/accounts/login/", session)
    response = deployment.post(
        "/accounts/login/",
        session,
        data={
            "username": username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
    )
    assert response.status_code == 302, response.text
    return session


def test_it_runs_two_workers_that_are_ready(deployment):
    response = deployment.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "cache": "ok"}
    # Eight fresh connections at a time, until both answered: one worker can take every
    # connection made one after another while the other is still waking.
    pids: set[int] = set()
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(25):
            found = pool.map(lambda _: deployment.worker(deployment.get("/healthz")), range(8))
            pids |= set(found)
            if len(pids) == 2:
                break
    assert len(pids) == 2, "both workers answer on fresh connections"


def test_it_makes_one_upstream_request_for_concurrent_cold_requests(deployment, simulator):
    session = log_in(deployment)
    simulator.delay = 0.5  # long enough for all twenty to arrive while the first one fetches
    for limit in (11, 12, 13):  # a fresh cache key per round, until both workers took part
        simulator.reset_stats()
        path = f"/calls/?limit={limit}"
        with ThreadPoolExecutor(max_workers=20) as pool:
            responses = list(
                pool.map(lambda _, path=path: deployment.get(path, session), range(20))
            )
        assert [response.status_code for response in responses] == [200] * 20
        assert simulator.request_count("/api/") == 1
        pids = {deployment.worker(response) for response in responses}
        if len(pids) == 2:
            break
    assert len(pids) == 2, "twenty concurrent requests all went to one worker three times"


def test_it_holds_a_login_lock_earned_in_one_worker_in_the_other(deployment):
    def attempt(password: str) -> requests.Response:
        session = requests.Session()
        deployment.get("/accounts/login/", session)
        return deployment.post(
            "/accounts/login/",
            session,
            data={
                "username": MANAGER,
                "password": password,
                "csrfmiddlewaretoken": session.cookies["csrftoken"],
            },
        )

    failures = [attempt("wrong-password") for _ in range(5)]
    assert [response.status_code for response in failures] == [200] * 5
    # Even the right password is refused now, by whichever worker takes the attempt.
    refused = []
    while len({pid for pid, _ in refused}) < 2 and len(refused) < 30:
        response = attempt(PASSWORD)
        assert response.status_code == 429
        assert "Too many failed sign-in attempts" in response.text
        refused.append(deployment.served_by(response))
    assert {status for _, status in refused} == {429}
    assert len({pid for pid, _ in refused}) == 2, "both workers refused the locked account"


def test_it_serves_hashed_compressed_static_files(deployment):
    page = deployment.get("/accounts/login/").text
    stylesheet = re.search(r'href="(/static/css/phonedash\.[0-9a-f]{12}\.css)"', page)
    assert stylesheet, "pages link to hashed file names (CompressedManifestStaticFilesStorage)"
    response = deployment.get(stylesheet[1], headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "immutable" in response.headers["Cache-Control"]
    assert "max-age=315360000" in response.headers["Cache-Control"]


def test_it_logs_requests_without_query_strings(deployment):
    deployment.get("/accounts/login/?next=/calls/%3Fphone_number%3D%2B14085550199")
    log = deployment.log.read_text()
    assert "4085550199" not in log
    assert "GET /accounts/login/ [next] -> 200" in log
    assert ACME_KEY not in log
