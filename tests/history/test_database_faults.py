"""The database gone while the sync works: a pass it interrupts stores nothing (a company's
pass is one transaction), the worker keeps its lease (no other worker syncs the company twice
meanwhile), waits, and stores the whole pass once the database is back; a worker that cannot
reach the database at all waits, longer each time, and resumes."""

from __future__ import annotations

from datetime import timedelta

from django.db import DataError, OperationalError
from django.utils import timezone

from calls.history import store
from calls.history.worker import DATABASE_RETRY, Worker
from calls.models import StoredCall, SyncState
from tests.history import test_sync

add_ended = test_sync.add_ended
initech = test_sync.initech


def test_a_pass_the_database_drops_stores_nothing_and_keeps_its_lease(
    transactional_db, initech, simulator, monkeypatch
):
    """Committed for real: the worker closes its connection to the database that failed it,
    and opens another."""
    added = add_ended(simulator, 30)
    real_refresh = store.rollups.refresh
    failures = []

    def dropped(*args, **kwargs):  # after the pass's rows are written, before it commits
        failures.append(1)
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(store.rollups, "refresh", dropped)
    worker = Worker(once=True, company=initech, sleep=lambda seconds: None)
    assert worker.run() == 0
    assert failures == [1]
    assert StoredCall.objects.filter(company=initech).count() == 0  # nothing half-stored
    state = SyncState.objects.get(company=initech)
    assert state.holder == worker.holder and state.lease_until > timezone.now()

    other = Worker(once=True, company=initech)
    assert other.claim(set()) is None  # the lease holds: no second sync meanwhile

    monkeypatch.setattr(store.rollups, "refresh", real_refresh)
    assert Worker.run(worker) == 1  # the same worker takes its company up again
    stored = StoredCall.objects.filter(company=initech)
    assert sorted(stored.values_list("call_id", flat=True)) == sorted(c["id"] for c in added)
    state.refresh_from_db()
    assert state.holder == "" and state.last_error == ""


def test_a_worker_without_its_database_waits_longer_each_time_then_resumes(
    transactional_db, initech, simulator, monkeypatch
):
    add_ended(simulator, 5)
    slept: list[float] = []
    worker = Worker(once=True, company=initech, sleep=slept.append)
    real_claim = worker.claim
    refused = iter(range(3))

    def claim(done):
        if next(refused, None) is not None:
            raise OperationalError("could not connect to server: Connection refused")
        return real_claim(done)

    monkeypatch.setattr(worker, "claim", claim)
    assert worker.run() == 1
    assert StoredCall.objects.filter(company=initech).count() == 5
    waits = DATABASE_RETRY[:3]
    assert sum(slept) >= sum(waits) - 3  # slept in steps of at most a second
    assert max(slept) <= 1.0


def test_a_lease_left_by_a_dead_worker_passes_on_once_it_expires(initech, simulator):
    add_ended(simulator, 3)
    SyncState.objects.filter(company=initech).update(
        holder="gone:1:dead", lease_until=timezone.now() + timedelta(seconds=30)
    )
    assert Worker(once=True, company=initech).run() == 0  # held: left alone
    SyncState.objects.filter(company=initech).update(
        lease_until=timezone.now() - timedelta(seconds=1)
    )
    assert Worker(once=True, company=initech).run() == 1
    assert StoredCall.objects.filter(company=initech).count() == 3


def test_a_pass_whose_calls_the_database_refuses_fails_like_an_upstream_failure(
    initech, simulator, monkeypatch
):
    add_ended(simulator, 4)

    def refused(*args, **kwargs):
        raise DataError("value too long for type character varying(200)")

    monkeypatch.setattr(store.rollups, "refresh", refused)
    worker = Worker(once=True, company=initech)
    assert worker.run() == 1  # a pass, failed: not taken up again and again
    assert StoredCall.objects.filter(company=initech).count() == 0
    state = SyncState.objects.get(company=initech)
    assert state.holder == "" and state.failures == 1
    assert state.last_error.startswith("The database refused to store")
    assert state.due_at > timezone.now()
