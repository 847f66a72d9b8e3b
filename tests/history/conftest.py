"""Fixtures of the call history: companies that keep one, and a pass of the sync over them."""

from __future__ import annotations

import pytest

from calls.history.worker import Worker
from calls.models import Company
from tests.conftest import ACME_KEY, GLOBEX_KEY, make_company


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
