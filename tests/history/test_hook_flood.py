"""A flood of webhook nudges for one company, faster than 10,000 a minute: exactly the minute's
600 are taken and the rest refused with 429 and Retry-After, while another company's nudges
are all taken and its manager's pages all served.

As the processes it runs as: gunicorn with two workers of four threads over a database of its
own (a SQLite file, or a PostgreSQL database when the suite runs on PostgreSQL), eight senders
over real HTTP, and the simulator as Phone.inc (which has none of the flood's calls: each taken
nudge still asks it once)."""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from calls.history import hook
from calls.simulator import SEED_COMPANIES
from tests.conftest import PASSWORD
from tests.site.test_multiprocess import free_port, gunicorn, log_in, run_manage

FLOOD = 2_400  # eight senders of 300
SENDERS = 8
ACME, GLOBEX = SEED_COMPANIES[:2]


@pytest.fixture
def served(env, tmp_path):
    for company in (ACME, GLOBEX):
        run_manage(
            {**env, "PHONE_INC_API_KEY": company.api_key},
            "createcompany",
            company.name,
            "--history",
            "metadata",
        )
    run_manage(
        {**env, "PHONEDASH_PASSWORD": PASSWORD},
        "createmanager",
        "globex-manager",
        "--company",
        GLOBEX.name,
    )
    web_env = {
        **env,
        "PHONEDASH_ALLOWED_HOSTS": "127.0.0.1",
        "PHONEDASH_STATIC_ROOT": str(tmp_path / "static"),
        "PHONEDASH_BIND": f"127.0.0.1:{free_port()}",
        "PHONEDASH_WORKERS": "2",
        "PHONEDASH_THREADS": "4",
    }
    run_manage(web_env, "collectstatic", "--noinput")
    code = (
        "from calls.history import tokens\n"
        "from calls.models import Company\n"
        "for c in Company.objects.order_by('name'):\n"
        "    print('token', c.name, tokens.token_of(c))\n"
    )
    said = run_manage(env, "shell", "-c", code).splitlines()
    hooks = dict(line[6:].rsplit(" ", 1) for line in said if line.startswith("token "))
    with gunicorn(web_env, tmp_path) as deployment:
        yield deployment, {name: f"/hooks/phoneinc/{token}/" for name, token in hooks.items()}


def nudge(session: requests.Session, url: str) -> requests.Response:
    return session.post(url, json={"call_id": str(uuid.uuid4())}, timeout=30)


def test_a_flood_for_one_company_is_refused_past_600_and_others_are_served(served):
    deployment, hooks = served
    acme_hook, globex_hook = deployment.url + hooks[ACME.name], deployment.url + hooks[GLOBEX.name]
    manager = log_in(deployment, "globex-manager")
    done = threading.Event()
    others: list[tuple[str, int]] = []

    def globex() -> None:  # its webhook and its manager, as usual, all along
        with requests.Session() as session:
            while not done.is_set():
                others.append(("nudge", nudge(session, globex_hook).status_code))
                page = manager.get(deployment.url + "/calls/", timeout=30)
                others.append(("page", page.status_code))
                time.sleep(0.05)

    def flood(count: int) -> list[requests.Response]:
        with requests.Session() as session:
            return [nudge(session, acme_hook) for _ in range(count)]

    beside = threading.Thread(target=globex)
    beside.start()
    began = time.monotonic()
    try:
        with ThreadPoolExecutor(max_workers=SENDERS) as pool:
            sent = [r for rs in pool.map(flood, [FLOOD // SENDERS] * SENDERS) for r in rs]
        took = time.monotonic() - began
    finally:
        done.set()
        beside.join()

    per_minute = len(sent) / took * 60
    assert per_minute > 10_000, f"the flood came at {per_minute:,.0f} a minute"
    statuses = [response.status_code for response in sent]
    assert statuses.count(202) == hook.NUDGES_PER_WINDOW
    assert statuses.count(429) == len(sent) - hook.NUDGES_PER_WINDOW
    refused = [response for response in sent if response.status_code == 429]
    assert all(1 <= int(response.headers["Retry-After"]) <= 60 for response in refused)
    assert refused[-1].json()["status"] == "rate_limited"
    assert others and all(status in (200, 202) for _, status in others), others
    assert {kind for kind, _ in others} == {"nudge", "page"}
    print(f"{len(sent):,} nudges at {per_minute:,.0f} a minute; Globex meanwhile: {len(others)}")
