"""`synccalls` as the processes it runs as: several at once sharing the companies, never two on
one company at a time, one killed with SIGKILL and its companies taken over after the lease,
one stopped with SIGTERM exiting 0 within 10 s. The workers share a database of their own
(a SQLite file, or a PostgreSQL database of their own when the suite runs on PostgreSQL) and
the simulator served by the test, over real HTTP."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from calls.simulator import SEED_COMPANIES
from tests.site.test_multiprocess import ROOT, run_manage

ACME, GLOBEX, INITECH = SEED_COMPANIES
PASS_RE = re.compile(
    r"^(?P<at>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) INFO phonedash\.sync company (?P<company>\d+) "
    r"pass: .* in (?P<ms>\d+) ms$"
)


def companies(env: dict[str, str], count: int) -> None:
    """`count` companies keeping metadata, on the simulator's seeded accounts in turn."""
    code = (
        "from calls.models import Company\n"
        f"keys = {[ACME.api_key, GLOBEX.api_key, INITECH.api_key]!r}\n"
        f"for n in range({count}):\n"
        "    c = Company(name=f'Company {n}', history='metadata')\n"
        "    c.set_api_key(keys[n % 3])\n"
        "    c.save()\n"
    )
    run_manage(env, "shell", "-c", code)


def status(env: dict[str, str]) -> dict[str, dict]:
    found = json.loads(run_manage(env, "synccalls", "--status", "--json"))
    return {company["name"]: company for company in found["companies"]}


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "synccalls"],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def passes_in(log: Path) -> list[tuple[int, datetime, datetime]]:
    """(company id, start, end) of each pass the worker logged."""
    found = []
    for line in log.read_text(errors="replace").splitlines():
        match = PASS_RE.match(line)
        if match:
            end = datetime.strptime(match["at"], "%Y-%m-%d %H:%M:%S,%f")
            start = end - timedelta(milliseconds=int(match["ms"]) + 5)
            found.append((int(match["company"]), start, end))
    return found


def stop(process: subprocess.Popen) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=15)


def test_two_workers_share_the_companies_and_never_sync_one_at_once(env, simulator, tmp_path):
    companies(env, 6)
    simulator.delay = 0.05
    logs = [tmp_path / "worker-a.log", tmp_path / "worker-b.log"]
    workers = [start_worker(env, log) for log in logs]
    try:
        time.sleep(8)
    finally:
        codes = [stop(worker) for worker in workers]
    assert codes == [0, 0]
    passes = [passes_in(log) for log in logs]
    assert all(passes), "both workers made passes"
    by_company: dict[int, list[tuple[datetime, datetime]]] = {}
    for found in passes:
        for company, start, end in found:
            by_company.setdefault(company, []).append((start, end))
    assert len(by_company) == 6, "every company was passed over"
    for company, spans in by_company.items():
        spans.sort()
        for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
            assert start >= end - timedelta(milliseconds=20), f"company {company} twice at once"
        assert len(spans) >= 2, f"company {company} passed over again once due"
    assert all(each["last_error"] is None for each in status(env).values())


def test_a_killed_workers_companies_pass_to_another_after_the_lease(env, simulator, tmp_path):
    companies(env, 1)
    simulator.delay = 5  # the pass is in Phone.inc's hands when the worker dies
    first = start_worker(env, tmp_path / "first.log")
    try:
        wait_for(lambda: status(env)["Company 0"]["holder"], 30, "the first worker's claim")
        killed_holder = status(env)["Company 0"]["holder"]
        time.sleep(1)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    assert status(env)["Company 0"]["stored"] == 0, "nothing half-written"
    simulator.delay = 0
    second = start_worker(env, tmp_path / "second.log")
    try:
        wait_for(lambda: status(env)["Company 0"]["last_pass"], 30, "the second worker's pass")
    finally:
        assert stop(second) == 0
    after = status(env)["Company 0"]
    assert after["stored"] > 0 and after["last_error"] is None
    assert after["holder"] != killed_holder


def test_it_stops_within_10_s_of_sigterm_finishing_the_company_in_hand(env, simulator, tmp_path):
    companies(env, 1)
    simulator.delay = 4
    worker = start_worker(env, tmp_path / "worker.log")
    try:
        wait_for(lambda: status(env)["Company 0"]["holder"], 30, "a claim")
        started = time.monotonic()
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(timeout=15)
        took = time.monotonic() - started
    finally:
        if worker.poll() is None:
            worker.kill()
    assert code == 0 and took < 10
    assert status(env)["Company 0"]["holder"] is None, "it handed its company back"


def test_once_passes_over_every_company_and_exits(env, simulator):
    companies(env, 3)
    out = run_manage(env, "synccalls", "--once")
    assert "3 passes made." in out
    found = status(env)
    assert all(each["last_pass"] for each in found.values())
    assert found["Company 0"]["stored"] > 0 and found["Company 1"]["stored"] > 0
    assert found["Company 2"]["stored"] == 0, "Initech's account has no calls"


def test_status_reports_nothing_to_sync_without_history(env):
    assert "No company keeps a call history." in run_manage(env, "synccalls", "--status")
    assert json.loads(run_manage(env, "synccalls", "--status", "--json")) == {"companies": []}
