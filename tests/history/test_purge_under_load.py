"""The purge of expired calls while members read and write pages: no request waits more than a
second on a lock, and the purge finishes with every expired call gone and every kept one kept.

As the processes it runs as: gunicorn with two workers and `purgehistory`, sharing a database
of their own (a SQLite file, or a PostgreSQL database of their own when the suite runs on
PostgreSQL). The dashboard's connections give up after a second's wait on a lock
(tests/lock_wait_settings.py: PostgreSQL's lock_timeout, SQLite's busy timeout), so a longer
wait is an error page here. The pages read the history over windows that change with every
request (nothing kept answers them) and write: each export records an audit event, each note
is a row. The bench purges a million calls the same way (bench.history)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
import requests

from calls.simulator import SEED_COMPANIES
from tests.conftest import PASSWORD
from tests.site.test_multiprocess import MANAGER, ROOT, free_port, gunicorn, log_in, run_manage

SEEDED = 40_000  # calls over the last 365 days, of which those before the last 30 expire
KEPT_DAYS = 30
READERS = 4  # members' requests at once, as long as the purge runs
ACME = SEED_COMPANIES[0]


@pytest.fixture
def served(env, tmp_path):
    """gunicorn over the shared database, its connections waiting at most a second on a lock;
    Acme with SEEDED stored calls and a manager."""
    run_manage(
        {**env, "PHONE_INC_API_KEY": ACME.api_key},
        "createcompany",
        "Acme Corp",
        "--history",
        "metadata",
        "--history-days",
        "365",
    )
    run_manage(
        {**env, "PHONEDASH_PASSWORD": PASSWORD},
        "createmanager",
        MANAGER,
        "--company",
        "Acme Corp",
    )
    run_manage(
        env,
        "seedhistory",
        "--company",
        "Acme Corp",
        "--calls",
        str(SEEDED),
        "--days",
        "365",
        "--no-progress",
        timeout=300,
    )
    port = free_port()
    web_env = {
        **env,
        "DJANGO_SETTINGS_MODULE": "tests.lock_wait_settings",
        "PHONEDASH_ALLOWED_HOSTS": "127.0.0.1",
        "PHONEDASH_STATIC_ROOT": str(tmp_path / "static"),
        "PHONEDASH_BIND": f"127.0.0.1:{port}",
        "PHONEDASH_WORKERS": "2",
        "PHONEDASH_THREADS": "4",
        "PHONEDASH_NOTES_PER_MINUTE": "1000",
        "PYTHONPATH": str(ROOT),
    }
    run_manage(web_env, "collectstatic", "--noinput")
    with gunicorn(web_env, tmp_path) as deployment:
        yield deployment


def counts(env: dict[str, str]) -> dict:
    """Acme's stored calls before and from its oldest kept day, and the newest call's id."""
    code = (
        "import json\n"
        "from calls.history import retention\n"
        "from calls.models import Company, StoredCall\n"
        "c = Company.objects.get(name='Acme Corp')\n"
        "rows = StoredCall.objects.filter(company=c)\n"
        "cutoff = retention.kept_since(c)\n"
        "print(json.dumps({'expired': rows.filter(started_at__lt=cutoff).count(),\n"
        "    'kept': rows.filter(started_at__gte=cutoff).count(),\n"
        "    'newest': rows.exclude(started_at=None).order_by('-started_at')[0].call_id}))\n"
    )
    return json.loads(run_manage(env, "shell", "-c", code).splitlines()[-1])


def test_the_purge_finishes_while_pages_are_read_and_none_waits_on_a_lock(served, env):
    url, log = served.url, served.log
    run_manage(
        env,
        "shell",
        "-c",
        "from calls.models import Company; "
        f"Company.objects.filter(name='Acme Corp').update(history_days={KEPT_DAYS})",
    )
    before = counts(env)
    assert before["expired"] > SEEDED * 0.8 and before["kept"] > 0
    session = log_in(served)
    today = date.today()
    done = threading.Event()
    seen: list[tuple[str, int, float, float]] = []  # (path, status, started, took)

    def member(number: int) -> None:
        with requests.Session() as own:
            own.cookies.update(session.cookies)
            turn = number
            while not done.is_set():
                turn += READERS
                start = today - timedelta(days=turn % 20 + 8)  # within the kept days
                window = {"from": str(start), "to": str(start + timedelta(days=turn % 7))}
                if turn % 5 == 0:  # a note on a kept call: a write
                    path, method, data = (
                        f"/calls/{before['newest']}/notes/",
                        "post",
                        {
                            "text": f"Called back ({turn})",
                            "csrfmiddlewaretoken": own.cookies["csrftoken"],
                        },
                    )
                else:
                    path, method, data = (
                        ("/calls/", "/calls/insights/", "/calls/export.csv", "/calls/callbacks/")[
                            turn % 4
                        ],
                        "get",
                        None,
                    )
                began = time.monotonic()
                response = own.request(
                    method,
                    url + path,
                    params=window if method == "get" else None,
                    data=data,
                    headers={"Referer": url + "/calls/"},
                    allow_redirects=False,
                    timeout=30,
                )
                seen.append((path, response.status_code, began, time.monotonic() - began))

    with ThreadPoolExecutor(max_workers=READERS) as pool:
        readers = [pool.submit(member, number) for number in range(READERS)]
        time.sleep(1)  # the members are reading before the purge starts
        purge_began = time.monotonic()
        purge = subprocess.run(
            [sys.executable, "manage.py", "purgehistory", "--company", "Acme Corp"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        purge_ended = time.monotonic()
        time.sleep(0.5)
        done.set()
        for reader in readers:
            reader.result()

    assert purge.returncode == 0, purge.stderr
    assert (
        f"Acme Corp: {before['expired']:,} calls older than {KEPT_DAYS} days removed"
        in purge.stdout
    )
    after = counts(env)
    assert after["expired"] == 0 and after["kept"] == before["kept"]

    during = [seen_one for seen_one in seen if purge_began <= seen_one[2] < purge_ended]
    assert len(during) >= 10, f"only {len(during)} requests while the purge ran"
    failed = [(path, status) for path, status, _, _ in seen if status >= 400]
    assert not failed, (
        f"requests that failed (a wait over a second on a lock is one): {failed}\n"
        + log.read_text()[-3000:]
    )
    writes = [path for path, _, _, _ in during if path.endswith("/notes/") or path.endswith(".csv")]
    assert writes, "members wrote while the purge ran"
    slowest = max(took for _, _, _, took in during)
    print(
        f"purged {before['expired']:,} calls in {purge_ended - purge_began:.1f} s; "
        f"{len(during)} requests meanwhile, the slowest {slowest * 1000:.0f} ms"
    )
