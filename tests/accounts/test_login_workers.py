"""Login throttling on gunicorn with two workers and no Redis, as a one-machine deployment runs.

Each worker has its own local-memory cache, so the counters live in the database: thirty wrong
passwords sent at once, across both workers, get exactly five checked and twenty-five refused.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.conftest import PASSWORD
from tests.site.test_multiprocess import MANAGER, Deployment, deployed

ATTEMPTS = 30
WRONG = "Please enter a correct username and password"
REFUSALS = ("Too many failed sign-in attempts", "Too many attempts at once")


@pytest.fixture(scope="module")
def deployment(served_simulator, tmp_path_factory):
    _sim, simulator_server = served_simulator
    folder = tmp_path_factory.mktemp("deployment-without-redis")
    with deployed(simulator_server.url, folder, redis_url=None) as served:
        yield served


def login_form(deployment: Deployment) -> requests.Session:
    """A session holding the login page's CSRF cookie, ready to post."""
    session = requests.Session()
    deployment.get("/accounts/login/", session)
    return session


def post_login(deployment: Deployment, session: requests.Session, password: str):
    return deployment.post(
        "/accounts/login/",
        session,
        data={
            "username": MANAGER,
            "password": password,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
    )


def test_it_checks_exactly_five_of_thirty_attempts_at_once(deployment):
    sessions = [login_form(deployment) for _ in range(ATTEMPTS)]
    start = threading.Barrier(ATTEMPTS)

    def attempt(session: requests.Session) -> requests.Response:
        start.wait()
        return post_login(deployment, session, "wrong-password")

    with ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
        responses = list(pool.map(attempt, sessions))

    checked = [r for r in responses if r.status_code == 200 and WRONG in r.text]
    refused = [r for r in responses if r.status_code == 429 and any(m in r.text for m in REFUSALS)]
    assert (len(checked), len(refused)) == (5, ATTEMPTS - 5)
    assert all(int(r.headers["Retry-After"]) > 0 for r in refused)
    assert len({deployment.worker(r) for r in responses}) == 2, "both workers took attempts"

    locked = post_login(deployment, login_form(deployment), PASSWORD)
    assert locked.status_code == 429, "even the right password, on either worker"
    assert "Too many failed sign-in attempts" in locked.text
    assert 14 * 60 < int(locked.headers["Retry-After"]) <= 15 * 60
