"""/readyz checks the database as pages use it: the schema there, writes taken.

Each case runs in a fresh interpreter with its own SQLite file, as a deployment would: a
database that answers SELECT 1 is not enough (an unmigrated file, a read-only one), and a
missing file must be reported, not created empty by the check itself.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.deployed_settings import ROOT, clean_env, run_manage

PROBE = """
import json, sys
import django
from django.conf import settings
if sys.argv[1] == "read-only":  # SQLite opened read-only, as for a file the user cannot write
    settings.DATABASES["default"]["NAME"] = f"file:{sys.argv[2]}?mode=ro"
django.setup()
from django.test import Client
response = Client().get("/readyz")
print(json.dumps({**response.json(), "http": response.status_code}))
"""


def readyz(database, mode: str = "as-is") -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, mode, str(database)],
        cwd=ROOT,
        env=clean_env(DATABASE_URL=f"sqlite:///{database}", PHONEDASH_ALLOWED_HOSTS="testserver"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    database = tmp_path_factory.mktemp("ready") / "db.sqlite3"
    result = run_manage("migrate", "--noinput", DATABASE_URL=f"sqlite:///{database}")
    assert result.returncode == 0, result.stderr
    return database


def test_it_is_ready_with_a_migrated_writable_database(migrated):
    answer = readyz(migrated)
    assert answer["http"] == 200
    assert answer["checks"]["database"] == "ok"


def test_it_writes_nothing_when_it_checks(migrated):
    before = migrated.read_bytes()
    readyz(migrated)
    assert migrated.read_bytes() == before


def test_it_is_not_ready_with_a_read_only_database(migrated):
    answer = readyz(migrated, "read-only")
    assert answer["http"] == 503
    assert answer["status"] == "unavailable" and answer["checks"]["database"] == (
        "unavailable (the database is read-only)"
    )


def test_it_is_not_ready_without_the_database_file_and_does_not_create_it(tmp_path):
    database = tmp_path / "missing.sqlite3"
    answer = readyz(database)
    assert answer["http"] == 503
    assert answer["checks"]["database"] == "unavailable (the SQLite database file is missing)"
    assert not database.exists()


def test_it_is_not_ready_with_a_database_never_migrated(tmp_path):
    database = tmp_path / "empty.sqlite3"
    database.touch()
    answer = readyz(database)
    assert answer["http"] == 503
    assert answer["checks"]["database"] == "unavailable (the schema is missing: run migrate)"
