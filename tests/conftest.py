"""Standing fixtures: a served Phone.inc simulator, companies and their managers.

alice and bob manage Acme; charlie manages Globex and must never see Acme's calls.
"""

from __future__ import annotations

import os

import pytest
from django.core.cache import cache

from calls import pages
from calls.answers import store as answers
from calls.callbacks import periods as callback_periods
from calls.callbacks import views as callback_views
from calls.insights import export as call_export
from calls.models import Company, Membership
from calls.search import engine as search_engine
from calls.simulator import SEED_COMPANIES, Simulator
from calls.sources import history as history_source

SEEDS = {seed.name: seed for seed in SEED_COMPANIES}
ACME_KEY = SEEDS["Acme Corp"].api_key
GLOBEX_KEY = SEEDS["Globex"].api_key
PASSWORD = "correct-horse-battery-staple"
IN_CI = os.environ.get("CI", "").lower() == "true"


def need(reason: str) -> None:
    """A missing service fails the test in CI and skips it elsewhere."""
    if IN_CI:
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def served_simulator():
    sim = Simulator()
    server = sim.serve(host="127.0.0.1", port=0)
    yield sim, server
    server.stop()


@pytest.fixture
def simulator_server(served_simulator):
    return served_simulator[1]


@pytest.fixture
def simulator(served_simulator, settings):
    """The served simulator, with faults and counters reset and the dashboard pointed at it."""
    sim, simulator_server = served_simulator
    sim.clear_faults()
    sim.delay = 0
    sim.reset_stats()
    settings.PHONE_INC_API_URL = simulator_server.url
    yield sim
    sim.clear_faults()
    sim.delay = 0


@pytest.fixture
def fresh_simulator(settings):
    """A simulator of the test's own, for tests that add calls or move the clock: nothing they
    do leaks into other tests. A module opts in by overriding `simulator` to return it."""
    sim = Simulator()
    server = sim.serve(host="127.0.0.1", port=0)
    settings.PHONE_INC_API_URL = server.url
    yield sim
    server.stop()


@pytest.fixture
def sim(settings):
    """A frozen simulator of the test's own; answers cached for an hour."""
    sim = Simulator(frozen=True)
    server = sim.serve(port=0)
    settings.PHONE_INC_API_URL = server.url
    settings.PHONEDASH_CACHE_SECONDS = 3600
    yield sim
    server.stop()


@pytest.fixture(autouse=True)
def clear_cache():
    answers.shared.reset()  # a test that broke the cache leaves no skipping behind
    cache.clear()
    # Pages of the history are kept under the company's id and history version, which the
    # next test's rolled-back database hands out again.
    pages.forget()
    callback_periods.forget()
    callback_views.forget()
    call_export.forget()
    callback_views.forget()
    history_source.forget()
    search_engine.forget()
    yield
    answers.shared.reset()
    cache.clear()


def make_company(name: str, key: str, region: str = "US", tz: str = "America/New_York"):
    company = Company(name=name, region=region, timezone=tz)
    company.set_api_key(key)
    company.save()
    return company


def make_manager(django_user_model, username: str, company: Company | None):
    user = django_user_model.objects.create_user(username, f"{username}@example.com", PASSWORD)
    if company is not None:
        Membership.objects.create(user=user, company=company)
    return user


@pytest.fixture
def acme(db):
    return make_company("Acme Corp", ACME_KEY)


@pytest.fixture
def globex(db):
    return make_company("Globex", GLOBEX_KEY, region="GB", tz="Europe/London")


@pytest.fixture
def alice(acme, django_user_model):
    return make_manager(django_user_model, "alice", acme)


@pytest.fixture
def bob(acme, django_user_model):
    return make_manager(django_user_model, "bob", acme)


@pytest.fixture
def charlie(globex, django_user_model):
    return make_manager(django_user_model, "charlie", globex)


@pytest.fixture
def alice_client(client, alice, simulator):
    client.force_login(alice)
    return client


@pytest.fixture
def charlie_client(client, charlie, simulator):
    client.force_login(charlie)
    return client
