"""manage.py demo: seeds logins that work, and serves the dashboard over the simulator."""

from __future__ import annotations

import io
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import Client

from calls.models import Company

ROOT = Path(__file__).resolve().parent.parent


def test_it_seeds_companies_and_working_logins(db):
    out = io.StringIO()
    call_command("demo", "--no-serve", stdout=out)
    assert "sign in as demo / phonedash-demo" in out.getvalue()
    acme = Company.objects.get(name="Acme Corp")
    assert acme.api_key.startswith("sim_")
    user = authenticate(username="demo", password="phonedash-demo")
    assert user is not None and user.membership.company == acme


def test_it_seeds_an_admin_and_a_sales_only_manager_and_prints_every_login(db):
    out = io.StringIO()
    call_command("demo", "--no-serve", stdout=out)
    printed = out.getvalue()

    for username in ("demo", "acme-admin", "acme-sales", "globex"):
        assert f"sign in as {username} / phonedash-demo" in printed
        assert authenticate(username=username, password="phonedash-demo") is not None
    admin = authenticate(username="acme-admin", password="phonedash-demo").membership
    sales = authenticate(username="acme-sales", password="phonedash-demo").membership
    assert admin.is_admin and admin.company.name == "Acme Corp"
    assert (sales.role, sales.lines) == ("manager", ["+14155551234"])
    assert "manager of the Sales line only" in printed


def test_it_shows_the_sales_manager_only_sales_and_the_admin_what_was_played(db, simulator):
    call_command("demo", "--no-serve", stdout=io.StringIO())
    sales, admin = Client(), Client()
    assert sales.login(username="acme-sales", password="phonedash-demo")
    assert admin.login(username="acme-admin", password="phonedash-demo")

    calls = sales.get("/calls/", {"limit": 50}).context["calls"]
    assert calls and {call.main_number_name for call in calls} == {"Sales"}
    played = next(call for call in calls if call.has_recording)
    assert sales.get(f"/calls/{played.id}/recording/").status_code == 302

    log = admin.get("/audit/", {"action": "recording_played"})
    assert [(row.event.username, row.event.call_id) for row in log.context["rows"]] == [
        ("acme-sales", played.id)
    ]


def test_it_can_run_again_without_duplicates(db):
    call_command("demo", "--no-serve", stdout=io.StringIO())
    call_command("demo", "--no-serve", stdout=io.StringIO())
    assert Company.objects.filter(name="Acme Corp").count() == 1


def test_it_collects_static_files_when_not_in_debug(db, settings, tmp_path):
    settings.DEBUG, settings.STATIC_ROOT = False, tmp_path
    call_command("demo", "--no-serve", stdout=io.StringIO())
    assert (tmp_path / "css" / "phonedash.css").exists()


@pytest.mark.parametrize("option", ["--port", "--simulator-port"])
def test_it_refuses_a_port_out_of_range(db, option):
    with pytest.raises(CommandError, match=f"{option} must be between 1 and 65535"):
        call_command("demo", option, "70000", "--no-serve", stdout=io.StringIO())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_it_serves_simulated_calls_to_the_printed_login(tmp_path):
    port, sim_port = free_port(), free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PHONEDASH_", "DJANGO_"))
        and key not in ("DATABASE_URL", "REDIS_URL")
    }
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    demo = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "demo",
            "--port",
            str(port),
            "--simulator-port",
            str(sim_port),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        else:
            pytest.fail("the demo did not start serving within 20 s")
        session = requests.Session()
        login = session.get(f"{base}/accounts/login/", timeout=5)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
        page = session.post(
            f"{base}/accounts/login/",
            data={"username": "demo", "password": "phonedash-demo", "csrfmiddlewaretoken": token},
            headers={"Referer": f"{base}/accounts/login/"},
            timeout=10,
        )
        assert page.url == f"{base}/calls/"
        assert page.status_code == 200
        assert page.text.count('class="party"') == 10, "ten simulated calls on the first page"
        assert "Acme Corp" in page.text
        history = wait_for_history(env)
        assert history["Acme Corp"]["level"] == "transcripts" and history["Acme Corp"]["days"] == 90
        assert history["Globex"]["level"] == "metadata"
    finally:
        demo.terminate()
        output = demo.communicate(timeout=20)[0]
    assert demo.returncode == 0
    assert "sign in as demo / phonedash-demo" in output
    assert "sync worker" in output


def wait_for_history(env: dict[str, str]) -> dict[str, dict]:
    """The demo's companies as `synccalls --status --json` reports them, once its worker has
    stored the calls of both (each company is due within its first 15 s)."""
    deadline = time.monotonic() + 40
    while True:
        result = subprocess.run(
            [sys.executable, "manage.py", "synccalls", "--status", "--json"],
            cwd=ROOT,
            env={**env, "PHONEDASH_DEBUG": "1"},  # as the demo runs it
            capture_output=True,
            text=True,
            timeout=60,
        )
        found = {
            c["name"]: c for c in json.loads(result.stdout or '{"companies": []}')["companies"]
        }
        if len(found) == 2 and all(c["stored"] > 0 and c["last_pass"] for c in found.values()):
            return found
        assert time.monotonic() < deadline, f"the demo's history did not fill: {found}"
        time.sleep(1)
