"""gunicorn.conf.py: sensible defaults, the environment's values, and bad values refused at
start with one line naming the variable."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "gunicorn.conf.py"
SECRET_KEY = "gunicorn-conf-test-secret-key-long-enough-0123456789"


def read_conf(monkeypatch, **variables: str) -> dict[str, object]:
    for name in ("PHONEDASH_BIND", "PHONEDASH_WORKERS", "PHONEDASH_THREADS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("PHONEDASH_CONTROL_SOCKET", raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONF))


def test_it_has_sensible_defaults(monkeypatch):
    conf = read_conf(monkeypatch)
    assert conf["bind"] == ["127.0.0.1:8000"]
    assert conf["workers"] == min(2 * len(os.sched_getaffinity(0)) + 1, 8)
    assert (conf["worker_class"], conf["threads"]) == ("gthread", 4)
    assert conf["wsgi_app"] == "phonedash.wsgi"
    assert conf["preload_app"] is False  # so a reload (HUP) brings in new code
    assert conf["accesslog"] == "-"
    assert conf["control_socket_disable"] is True
    assert "control_socket" not in conf


def test_it_outwaits_the_upstream_budget(monkeypatch):
    conf = read_conf(monkeypatch)
    # A page may wait on two upstream calls, each the whole budget plus a single-flight wait.
    assert conf["timeout"] >= 30
    assert conf["timeout"] > 2 * (settings.PHONEDASH_UPSTREAM_BUDGET + 2)
    assert 0 < conf["graceful_timeout"] <= conf["timeout"]


def test_it_reads_the_environment(monkeypatch):
    conf = read_conf(
        monkeypatch,
        PHONEDASH_BIND="0.0.0.0:9000, unix:/run/phonedash/gunicorn.sock",
        PHONEDASH_WORKERS="3",
        PHONEDASH_THREADS="8",
        PHONEDASH_CONTROL_SOCKET="/run/phonedash/gunicorn.ctl",
    )
    assert conf["bind"] == ["0.0.0.0:9000", "unix:/run/phonedash/gunicorn.sock"]
    assert (conf["workers"], conf["threads"]) == (3, 8)
    assert conf["control_socket"] == "/run/phonedash/gunicorn.ctl"
    assert conf["control_socket_disable"] is False


def test_it_accepts_ipv6_and_host_names(monkeypatch):
    conf = read_conf(monkeypatch, PHONEDASH_BIND="[::1]:8000 dash.internal:8080")
    assert conf["bind"] == ["[::1]:8000", "dash.internal:8080"]


def test_it_keeps_query_strings_out_of_the_access_log(monkeypatch):
    conf = read_conf(monkeypatch)
    assert "%(U)s" in conf["access_log_format"]  # the path without its query
    for whole_request in ("%(r)s", "%(q)s", "%(f)s"):  # request line, query, referrer
        assert whole_request not in conf["access_log_format"]


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("PHONEDASH_WORKERS", "many", "expected a whole number, got 'many'"),
        ("PHONEDASH_WORKERS", "0", "must be between 1 and 64, got 0"),
        ("PHONEDASH_THREADS", "1000", "must be between 1 and 64, got 1000"),
        ("PHONEDASH_BIND", "8000", "'8000' is not HOST:PORT"),
        ("PHONEDASH_BIND", "127.0.0.1:99999", "'127.0.0.1:99999' is not HOST:PORT"),
        ("PHONEDASH_BIND", "http://127.0.0.1:8000", "'http://127.0.0.1:8000' is not HOST:PORT"),
        ("PHONEDASH_CONTROL_SOCKET", "gunicorn.ctl", "expected an absolute path"),
    ],
)
def test_it_refuses_a_bad_value_naming_the_variable(monkeypatch, name, value, problem):
    with pytest.raises(SystemExit) as stopped:
        read_conf(monkeypatch, **{name: value})
    assert str(stopped.value.code).startswith(f"gunicorn.conf.py: {name}: {problem}")


def run_gunicorn(tmp_path, **variables: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "PHONEDASH_SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **variables,
    }
    return subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--check-config"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_starts_with_a_good_configuration(tmp_path):
    result = run_gunicorn(tmp_path)
    assert result.returncode == 0, result.stderr


def test_it_stops_gunicorn_with_one_line_for_a_bad_gunicorn_variable(tmp_path):
    result = run_gunicorn(tmp_path, PHONEDASH_THREADS="lots")
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1] == (
        "gunicorn.conf.py: PHONEDASH_THREADS: expected a whole number, got 'lots'"
    )


def test_it_stops_gunicorn_with_one_line_for_a_bad_django_variable(tmp_path):
    result = run_gunicorn(tmp_path, PHONEDASH_LOG_FORMAT="xml")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert (
        result.stderr.strip() == "phonedash: PHONEDASH_LOG_FORMAT: expected text or json, got 'xml'"
    )
