"""The typed environment readers, and start-up refusing bad configuration by name."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from phonedash.env import (
    SettingError,
    env_bool,
    env_int,
    env_list,
    env_number,
    env_origins,
    env_timezone,
    env_url,
)

ROOT = Path(__file__).resolve().parents[2]


def test_it_reads_booleans():
    assert env_bool("X", False, environ={"X": "1"}) is True
    assert env_bool("X", True, environ={"X": "off"}) is False
    assert env_bool("X", True, environ={}) is True


def test_it_rejects_a_bad_boolean_naming_the_variable():
    with pytest.raises(SettingError, match="PHONEDASH_DEBUG: expected 1 or 0"):
        env_bool("PHONEDASH_DEBUG", False, environ={"PHONEDASH_DEBUG": "maybe"})


def test_it_reads_bounded_numbers():
    assert env_int("N", 15, minimum=0, maximum=60, environ={"N": "30"}) == 30
    assert env_int("N", 15, minimum=0, maximum=60, environ={}) == 15
    assert env_number("T", 8, minimum=0.5, maximum=9.5, environ={"T": "2.5"}) == 2.5
    with pytest.raises(SettingError, match="N: expected a whole number, got 'ten'"):
        env_int("N", 15, minimum=0, maximum=60, environ={"N": "ten"})
    with pytest.raises(SettingError, match="N: must be between 0 and 60, got 61"):
        env_int("N", 15, minimum=0, maximum=60, environ={"N": "61"})


def test_it_reads_lists_with_commas_or_spaces():
    assert env_list("L", environ={"L": "a, b  c,,"}) == ["a", "b", "c"]
    assert env_list("L", "x,y", environ={}) == ["x", "y"]


def test_it_checks_urls_and_origins():
    assert env_url("U", None, schemes=("redis",), environ={"U": "redis://h:6379/0"})
    with pytest.raises(SettingError, match="REDIS_URL: expected a URL starting with redis://"):
        env_url("REDIS_URL", None, schemes=("redis",), environ={"REDIS_URL": "localhost:6379"})
    assert env_origins("O", environ={"O": "https://portal.example.com/"}) == [
        "https://portal.example.com"
    ]
    with pytest.raises(SettingError, match="O: 'portal.example.com' is not an origin"):
        env_origins("O", environ={"O": "portal.example.com"})
    with pytest.raises(SettingError, match="is not an origin"):
        env_origins("O", environ={"O": "https://portal.example.com/path"})


REDIS = ("redis", "rediss", "unix")
DATABASE = ("sqlite", "postgres", "postgresql", "pgsql")


@pytest.mark.parametrize(
    ("schemes", "url"),
    [
        (REDIS, "redis://localhost:6379/0"),
        (REDIS, "rediss://:secret@cache.internal:6380/1"),
        (REDIS, "unix:///run/redis/redis.sock"),
        (REDIS, "unix:///run/redis/redis.sock?db=2"),
        (DATABASE, "postgres://u:p@db.internal:5432/phonedash"),
        (DATABASE, "postgres://u:p@/phonedash?host=/var/run/postgresql"),
        (DATABASE, "postgresql:///phonedash?host=/var/run/postgresql&port=5433"),
        (DATABASE, "sqlite:////srv/phonedash/db.sqlite3"),
        (("http", "https"), "https://app.phone.inc/api/v1"),
    ],
)
def test_it_accepts_urls_with_a_host_or_a_socket(schemes, url):
    assert env_url("U", None, schemes=schemes, environ={"U": url}) == url


@pytest.mark.parametrize(
    ("schemes", "url", "problem"),
    [
        (REDIS, "redis:///0", "names no host"),
        (REDIS, "unix://", "names no socket"),
        (REDIS, "unix://localhost", "names no socket"),
        (DATABASE, "postgres://u:p@/phonedash", "names no host"),
        (DATABASE, "postgres://u:p@/phonedash?host=", "names no host"),
        (("http", "https"), "https:///api/v1", "names no host"),
        (("http", "https"), "http://[", "expected a URL starting with http://, https://"),
        (REDIS, "http://cache:6379", "expected a URL starting with redis://"),
    ],
)
def test_it_refuses_urls_that_name_nothing_to_connect_to(schemes, url, problem):
    with pytest.raises(SettingError, match=re.escape(f"U: {problem}")):
        env_url("U", None, schemes=schemes, environ={"U": url})


def test_it_checks_time_zones():
    assert env_timezone("Z", "UTC", environ={"Z": "Europe/Berlin"}) == "Europe/Berlin"
    with pytest.raises(SettingError, match="Z: 'Mars/Olympus' is not an IANA time zone"):
        env_timezone("Z", "UTC", environ={"Z": "Mars/Olympus"})


def run_check(**env: str) -> subprocess.CompletedProcess:
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PHONEDASH_", "DJANGO_"))
        and key not in ("DATABASE_URL", "REDIS_URL")
    }
    environ |= {"DJANGO_SETTINGS_MODULE": "phonedash.settings", **env}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({}, "PHONEDASH_SECRET_KEY"),
        ({"PHONEDASH_DEBUG": "yes please"}, "PHONEDASH_DEBUG"),
        ({"PHONEDASH_DEBUG": "1", "PHONEDASH_CACHE_SECONDS": "-1"}, "PHONEDASH_CACHE_SECONDS"),
        ({"PHONEDASH_DEBUG": "1", "PHONEDASH_UPSTREAM_TIMEOUT": "x"}, "PHONEDASH_UPSTREAM_TIMEOUT"),
        ({"PHONEDASH_DEBUG": "1", "DATABASE_URL": "mysql//nope"}, "DATABASE_URL"),
        ({"PHONEDASH_DEBUG": "1", "REDIS_URL": "http://x"}, "REDIS_URL"),
        ({"PHONEDASH_DEBUG": "1", "PHONE_INC_API_URL": "ftp://x"}, "PHONE_INC_API_URL"),
        (
            {"PHONEDASH_DEBUG": "1", "PHONEDASH_FRAME_ANCESTORS": "portal"},
            "PHONEDASH_FRAME_ANCESTORS",
        ),
        ({"PHONEDASH_DEBUG": "1", "PHONEDASH_HTTPS": "2"}, "PHONEDASH_HTTPS"),
    ],
)
def test_it_refuses_to_start_with_a_bad_setting(env, named):
    result = run_check(**env)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert named in output
    assert "Traceback" not in output


@pytest.mark.parametrize(
    "env",
    [
        {"REDIS_URL": "unix:///run/redis/redis.sock"},
        {"DATABASE_URL": "postgres://u:p@/phonedash?host=/var/run/postgresql"},
    ],
)
def test_it_starts_with_services_on_unix_sockets(env):
    result = run_check(PHONEDASH_DEBUG="1", **env)
    assert result.returncode == 0, result.stderr


def test_it_starts_with_the_defaults_in_debug():
    result = run_check(PHONEDASH_DEBUG="1")
    assert result.returncode == 0, result.stderr


def test_it_runs_sqlite_in_wal_mode_without_waiting_for_the_disk_on_each_commit(tmp_path):
    """On SQLite (the default, whatever database this suite runs on), each new connection, as
    each request makes one, is in WAL mode with synchronous=NORMAL."""
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PHONEDASH_", "DJANGO_"))
        and key not in ("DATABASE_URL", "REDIS_URL")
    }
    environ |= {
        "DJANGO_SETTINGS_MODULE": "phonedash.settings",
        "PHONEDASH_DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    read = (
        "from django.db import connection\n"
        "with connection.cursor() as cursor:\n"
        "    cursor.execute('PRAGMA synchronous'); print(cursor.fetchone()[0])\n"
        "    cursor.execute('PRAGMA journal_mode'); print(cursor.fetchone()[0])\n"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", read],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1", "wal"]  # 1: NORMAL
