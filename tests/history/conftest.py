"""Fixtures of the call history: companies that keep one, and a pass of the sync over them."""

from __future__ import annotations

import os
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest

from calls.history.worker import Worker
from calls.models import Company
from tests.conftest import ACME_KEY, GLOBEX_KEY, make_company
from tests.site.test_multiprocess import run_manage


def keeping(company: Company, level: str = Company.TRANSCRIPTS, days: int = 90) -> Company:
    company.history, company.history_days = level, days
    company.save()
    return company


@pytest.fixture
def simulator(fresh_simulator):
    """A simulator of the test's own: the history's tests add calls and move its clock."""
    return fresh_simulator


@pytest.fixture
def acme_history(db, simulator):
    """Acme keeping transcripts for 90 days (the demo's setting), pointed at the simulator."""
    return keeping(make_company("Acme Corp", ACME_KEY), Company.TRANSCRIPTS)


@pytest.fixture
def globex_history(db, simulator):
    """Globex keeping calls only (metadata), as in the demo."""
    return keeping(
        make_company("Globex", GLOBEX_KEY, region="GB", tz="Europe/London"), Company.METADATA
    )


@pytest.fixture
def acme_kept(acme):
    """Acme (not pointed at a simulator of its own) keeping 120 days: the pages' tests store
    their calls themselves (tests.history.stored)."""
    return keeping(acme, days=120)


@pytest.fixture
def client_of(client, alice, acme_kept):
    """alice, an Acme manager, signed in."""
    client.force_login(alice)
    return client


def sync_once(company: Company | None = None) -> int:
    """One pass over every company with history on (or one), as `synccalls --once` makes."""
    return Worker(once=True, company=company).run()


# Processes of their own (tests/history/test_workers.py, test_purge_under_load.py).

SECRET_KEY = "worker-test-secret-key-that-is-long-enough-0123456789"


@pytest.fixture
def workers_database(tmp_path):
    """DATABASE_URL of a migrated database the worker processes share, and its cleanup."""
    main = os.environ.get("DATABASE_URL", "")
    if main.startswith(("postgres://", "postgresql://")):
        import psycopg

        name = f"phonedash_workers_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(main, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        url = urlunsplit(urlsplit(main)._replace(path=f"/{name}"))
        yield url
        with psycopg.connect(main, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield f"sqlite:///{tmp_path / 'workers.sqlite3'}"


@pytest.fixture
def env(workers_database, simulator, tmp_path):
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "PYTHONUNBUFFERED": "1",
        "PHONEDASH_SECRET_KEY": SECRET_KEY,
        "PHONEDASH_HTTPS": "0",
        "DATABASE_URL": workers_database,
        "PHONE_INC_API_URL": simulator.default_root + "/api/v1",
        "PHONEDASH_SYNC_SECONDS": "1",
        "PHONEDASH_SYNC_LEASE": "3",
    }
    run_manage(environment, "migrate", "--noinput")
    return environment
