"""One sync pass and the worker that makes them, against the simulator over real HTTP: what a
pass asks, what it stores (once, the latest fetch winning), gaps when Phone.inc had more calls
than a pass could read and none when the widened questions cover them, calls moving through
their states, Phone.inc failing (429, 5xx, refused key), and leases between workers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from calls.history import store, sync
from calls.history.worker import Worker, enable
from calls.models import Company, Gap, StoredCall, SyncState
from calls.phoneinc import parse_call
from calls.simulator import SEED_COMPANIES
from tests.conftest import ACME_KEY, make_company
from tests.history.conftest import keeping, sync_once

INITECH_KEY = SEED_COMPANIES[2].api_key  # a simulated company with no calls of its own


@pytest.fixture
def initech(db, simulator):
    return keeping(make_company("Initech", INITECH_KEY, tz="America/Chicago"))


def add_ended(simulator, count: int, *, minutes_ago: float = 10, direction="inbound", **fields):
    """`count` ended, answered calls a minute apart, the newest `minutes_ago` minutes ago,
    summaries and transcripts in (nothing left to fetch again)."""
    now = simulator.now()
    added = []
    for index in range(count):
        started = now - timedelta(minutes=minutes_ago + index)
        values = {
            "direction": direction,
            "started_at": started,
            "answered_at": started + timedelta(seconds=5),
            "summary": "Asked about an invoice.",
            "transcription": "Hello.",
            **fields,
        }
        added.append(simulator.add_call(INITECH_KEY, **values))
    return added


def list_requests(simulator) -> list[dict[str, str]]:
    return [r.query for r in simulator.requests if r.path.endswith("/calls")]


def test_it_stores_every_call_of_a_first_pass_from_all_three_questions(initech, simulator):
    added = add_ended(simulator, 30) + add_ended(
        simulator, 30, minutes_ago=40, direction="outbound"
    )
    assert sync_once() == 1
    stored = set(StoredCall.objects.filter(company=initech).values_list("call_id", flat=True))
    assert stored == {call["id"] for call in added}
    asked = list_requests(simulator)
    assert {"limit": "50"} in asked
    assert {"direction": "inbound", "state": "ended", "limit": "50"} in asked
    assert {"direction": "outbound", "state": "ended", "limit": "50"} in asked
    assert not Gap.objects.exists(), "a first pass records no gap"
    state = SyncState.objects.get(company=initech)
    assert state.last_pass_at and not state.last_error and not state.holder


def test_it_stores_every_documented_field_typed(initech, simulator):
    [added] = add_ended(simulator, 1, from_="(512) 555-0199", duration=187)
    sync_once()
    row = StoredCall.objects.get(company=initech, call_id=added["id"])
    call = row.as_call()
    assert call.from_number == "+15125550199", "numbers in E.164"
    assert row.remote == "+15125550199"
    assert call.started_at == parse_call(added).started_at and call.started_at.tzinfo
    assert call.duration == 187 and call.direction == "inbound" and call.state == "ended"
    assert call.main_number == "+15125550100" and call.main_number_name == "Main"
    assert call.summary == "Asked about an invoice." and call.transcription == "Hello."
    assert call.recording_url is None, "never the recording link"
    assert row.first_seen_at and row.fetched_at


def test_a_pass_applied_twice_changes_nothing(initech, simulator):
    calls = [parse_call(call) for call in add_ended(simulator, 5)]
    now = timezone.now()
    assert store.store(initech, calls + calls[:2], now) == store.Stored(new=5)
    assert store.store(initech, calls, now) == store.Stored()
    assert StoredCall.objects.filter(company=initech).count() == 5


def test_the_latest_fetch_wins_and_an_older_one_never_overwrites(initech, simulator):
    [added] = add_ended(simulator, 1)
    call = parse_call(added)
    earlier, later = timezone.now(), timezone.now() + timedelta(seconds=5)
    store.store(initech, [call], later)
    changed = parse_call({**added, "summary": "Something else."})
    assert store.store(initech, [changed], earlier) == store.Stored()
    assert StoredCall.objects.get(call_id=call.id).summary == "Asked about an invoice."
    assert store.store(initech, [changed], later + timedelta(seconds=1)).changed == 1
    assert StoredCall.objects.get(call_id=call.id).summary == "Something else."


def test_a_quiet_pass_costs_one_request_and_three_queries(initech, simulator):
    add_ended(simulator, 20)
    sync_once()
    SyncState.objects.filter(company=initech).update(due_at=timezone.now())
    simulator.reset_stats()
    worker = Worker()
    with CaptureQueriesContext(connection) as queries:
        worker.sync(worker.claim(set()))  # claim the due company, pass, hand it back
    assert worker.passes == 1 and simulator.request_count() == 1
    writes_and_reads = [q["sql"] for q in queries.captured_queries]
    assert len(writes_and_reads) <= 3, writes_and_reads


def test_it_records_a_gap_when_more_calls_came_than_a_pass_can_read(initech, simulator):
    add_ended(simulator, 10, minutes_ago=120)
    sync_once()
    newest_before = SyncState.objects.get(company=initech).newest_start
    burst = add_ended(simulator, 70, minutes_ago=1)  # all inbound: no question reaches back
    sync_once()
    [gap] = Gap.objects.filter(company=initech)
    assert gap.start == newest_before
    oldest_inbound_read = min(parse_call(c).started_at for c in burst[:50])
    assert gap.end == oldest_inbound_read
    stored = StoredCall.objects.filter(company=initech).count()
    assert stored == 10 + 50, "what could be read is stored"


def test_it_records_no_gap_when_the_widened_questions_reach_back(initech, simulator):
    add_ended(simulator, 10, minutes_ago=120)
    sync_once()
    add_ended(simulator, 35, minutes_ago=1)
    add_ended(simulator, 35, minutes_ago=1.5, direction="outbound")
    sync_once()
    assert not Gap.objects.exists()
    assert StoredCall.objects.filter(company=initech).count() == 80


def test_it_fetches_a_live_call_again_until_it_has_ended(initech, simulator):
    live = simulator.add_live_call(INITECH_KEY)
    sync_once()
    row = StoredCall.objects.get(call_id=live["id"])
    assert row.state == "initiated" and row.duration is None
    assert [item["id"] for item in SyncState.objects.get().pending] == [live["id"]]
    simulator.advance(120)  # ended, summary and transcript in
    SyncState.objects.update(answer_digest="")
    simulator.reset_stats()
    sync_once()
    row.refresh_from_db()
    assert row.state == "ended" and row.duration is not None and row.summary
    assert any(r.path.endswith(live["id"]) for r in simulator.requests), "fetched by id"
    assert SyncState.objects.get().pending == []


def test_it_waits_for_a_late_summary_only_as_long_as_the_level_keeps_it(initech, simulator):
    [added] = add_ended(simulator, 1, minutes_ago=3, summary=None, transcription=None)
    sync_once()
    assert [item["kind"] for item in SyncState.objects.get().pending] == ["content"]
    Company.objects.filter(pk=initech.pk).update(history=Company.METADATA)
    assert StoredCall.objects.get(call_id=added["id"]).summary is None


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ({"status": 503, "count": 20}, "Phone.inc is not answering right now"),
        ({"malformed": "json", "count": 20}, "could not read"),
    ],
)
def test_it_backs_off_when_phone_inc_fails(initech, simulator, settings, fault, error):
    settings.PHONEDASH_SYNC_SECONDS = 15
    add_ended(simulator, 3)
    simulator.set_fault(**fault)
    before = timezone.now()
    sync_once()
    state = SyncState.objects.get()
    assert error in state.last_error
    assert state.failures == 1 and state.last_pass_at is None
    assert state.due_at >= before + timedelta(seconds=15)
    assert not StoredCall.objects.exists(), "a failed pass stores nothing"
    sync_once()
    assert SyncState.objects.get().failures == 2
    assert SyncState.objects.get().due_at >= timezone.now() + timedelta(seconds=29)
    simulator.clear_faults()
    sync_once()
    state = SyncState.objects.get()
    assert state.failures == 0 and not state.last_error and state.last_pass_at
    assert StoredCall.objects.count() == 3


def test_a_429_delays_the_company_by_its_retry_after(initech, simulator):
    simulator.set_fault(status=429, retry_after=120)
    before = timezone.now()
    sync_once()
    state = SyncState.objects.get()
    assert (
        before + timedelta(seconds=119) <= state.due_at <= timezone.now() + timedelta(seconds=121)
    )
    assert "Try again in 2 minutes" in state.last_error


def test_a_refused_key_is_tried_every_ten_minutes_or_at_once_when_replaced(initech, simulator):
    initech.set_api_key("not-a-key-phone-inc-knows")
    initech.save()
    before = timezone.now()
    sync_once()
    state = SyncState.objects.get()
    assert "did not accept" in state.last_error
    assert state.due_at >= before + timedelta(minutes=10) - timedelta(seconds=1)
    initech.set_api_key(INITECH_KEY)
    initech.save()
    assert SyncState.objects.get().due_at <= timezone.now(), "due at once with its new key"
    add_ended(simulator, 2)
    Worker(company=initech, once=True).run()
    assert StoredCall.objects.count() == 2 and not SyncState.objects.get().last_error


def test_a_worker_never_claims_a_company_another_holds(initech, simulator, settings):
    add_ended(simulator, 2)
    state = enable(initech)
    SyncState.objects.filter(pk=state.pk).update(due_at=timezone.now())
    other = Worker()
    assert other.claim(set()) is not None  # due now: claimed, and held for the lease
    mine = Worker()
    assert mine.claim(set()) is None
    SyncState.objects.filter(pk=state.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert mine.claim(set()) is not None, "a dead worker's lease runs out"


def test_a_pass_whose_lease_was_taken_stores_nothing(initech, simulator):
    add_ended(simulator, 4)
    mine = Worker(once=True)
    state = mine.claim(set())
    SyncState.objects.filter(pk=state.pk).update(holder="another worker")
    mine.sync(state)
    assert not StoredCall.objects.exists()
    assert SyncState.objects.get().holder == "another worker", "left to its holder"


def test_each_company_stores_only_its_own_calls(initech, acme_history, simulator):
    add_ended(simulator, 3)
    sync_once()
    acme_ids = {call["id"] for call in simulator.calls_for(ACME_KEY, "http://x")}
    initech_rows = set(StoredCall.objects.filter(company=initech).values_list("call_id", flat=True))
    acme_rows = set(
        StoredCall.objects.filter(company=acme_history).values_list("call_id", flat=True)
    )
    assert len(initech_rows) == 3 and acme_rows and acme_rows <= acme_ids
    assert not initech_rows & acme_ids


def test_a_company_with_history_off_is_never_synced(db, simulator):
    make_company("Initech", INITECH_KEY)
    add_ended(simulator, 2)
    assert sync_once() == 0
    assert not StoredCall.objects.exists() and not SyncState.objects.exists()


def test_the_log_line_of_a_pass_names_no_number_or_name(initech, simulator, caplog):
    add_ended(simulator, 3, from_="+15125550123")
    with caplog.at_level("INFO", logger="phonedash.sync"):
        sync_once()
    [line] = [r.getMessage() for r in caplog.records if "pass:" in r.getMessage()]
    assert f"company {initech.pk} pass: seen 3 new 3 changed 0 requests 3 gap no" in line
    everything = " ".join(r.getMessage() for r in caplog.records)
    assert "5125550123" not in everything and "Peter" not in everything


def test_the_outcome_reports_a_gap(initech):
    assert "gap yes" in sync.Outcome(initech.pk, gap=True).line()


def test_readyz_says_when_a_companys_history_is_behind_without_failing(
    initech, simulator, client, settings
):
    settings.PHONEDASH_SYNC_SECONDS = 15
    add_ended(simulator, 1)
    sync_once()
    assert client.get("/readyz").json()["history"] == "ok"
    SyncState.objects.update(last_pass_at=timezone.now() - timedelta(seconds=76))
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json()["history"] == "behind"


def test_a_burst_of_calls_still_in_progress_is_watched_until_it_can_tell(initech, simulator):
    """The simulator's stream at a rate no pass keeps up with, its calls lasting from seconds
    to minutes: calls beyond a pass's newest 50 may still be ringing, so the ended lists are
    asked again, held against their starts, until they fall short of them: a gap."""
    add_ended(simulator, 60, minutes_ago=30)  # full ended lists, as on any busy account
    add_ended(simulator, 60, minutes_ago=30.5, direction="outbound")
    sync_once()
    simulator.set_rate(600, api_key=INITECH_KEY)
    for _ in range(12):
        simulator.advance(15)
        SyncState.objects.update(answer_digest="")
        sync_once()
    [gap] = Gap.objects.filter(company=initech)  # one gap however many passes it spans
    assert gap.end - gap.start > timedelta(minutes=1)
    assert SyncState.objects.get().unknown_since is not None, "and the burst goes on"
