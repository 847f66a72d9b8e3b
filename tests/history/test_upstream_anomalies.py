"""What Phone.inc may answer, stored in the call history and shown through every page over it
(periods, search) without a 500: every edge value the live pages survive, the same call twice
in one answer, calls out of order, a call whose fields change between passes (the latest fetch
wins) and a call that disappears upstream (kept as last seen). Served by a canned upstream over
real HTTP, synced by the worker's own pass."""

from __future__ import annotations

import copy
from datetime import date, timedelta

from calls.models import Company, Note, StoredCall, SyncState
from tests.history import stored
from tests.history.conftest import sync_once
from tests.test_extreme_values import BASE, NEIGHBOUR, SHOWN_FIELDS, in_zone, manager_client, visit

__all__ = ["manager_client"]

# Within the 366 days a period may span (the edge calls are of May 2026 and of odd years).
SINCE = (date.today() - timedelta(days=300)).isoformat()
HISTORY_PAGES = [
    ("/calls/?period=7d", {}),
    ("/calls/?from={since}", {}),
    ("/calls/?period=30d", {"HX-Request": "true", "HX-Target": "results"}),
    ("/calls/callbacks/?period=90d", {}),
    ("/calls/insights/?period=90d", {}),
    ("/calls/insights/?from={since}", {}),
    ("/calls/export.csv?from={since}", {}),
    ("/calls/search/?q=order", {}),
    ("/calls/search/?q=1042+OR+look", {}),
    ("/calls/search/?q=%22order+1042%22&from={since}", {}),
    ("/calls/search/?q=w*", {"HX-Request": "true", "HX-Target": "results"}),
]


def keeping(client) -> Company:
    company = Company.objects.get(pk=client.company.pk)
    company.history, company.history_days = Company.TRANSCRIPTS, 3650
    company.save()
    return company


def test_every_edge_value_is_stored_and_shown_through_every_history_page(manager_client):
    company = keeping(manager_client)
    sync_failures = []
    served = [{**copy.deepcopy(BASE), "id": f"edge{n}", **f} for n, f in enumerate(SHOWN_FIELDS)]
    # The same call twice in one answer, and the answer out of order.
    served += [NEIGHBOUR, {**copy.deepcopy(NEIGHBOUR), "summary": "The second copy."}]
    manager_client.upstream.calls = list(reversed(served))
    for zone in ("Pacific/Kiritimati", "Etc/GMT+12"):
        in_zone(manager_client, zone)
        sync_once(company)
        sync_failures.append(SyncState.objects.get(company=company).last_error)
        pages = [(path.replace("{since}", SINCE), headers) for path, headers in HISTORY_PAGES]
        seen = visit(manager_client, pages)
        assert all(status == 200 for status in seen.values()), seen
    assert sync_failures == ["", ""]
    stored = StoredCall.objects.filter(company=company)
    assert stored.filter(call_id="neighbour1").count() == 1
    assert stored.filter(call_id__startswith="edge").count() > len(SHOWN_FIELDS) // 2


def test_the_latest_fetch_wins_and_a_call_gone_upstream_is_kept(manager_client):
    company = keeping(manager_client)
    first = {**copy.deepcopy(NEIGHBOUR), "summary": "Asked about a parcel."}
    other = {**copy.deepcopy(BASE), "id": "other1", "started_at": "2026-05-11T15:00:00Z"}
    manager_client.upstream.calls = [first, other]
    sync_once(company)
    assert "neighbour1" in manager_client.get("/calls/search/?q=parcel").content.decode()

    manager_client.upstream.calls = [{**first, "summary": "Asked about a refund."}, other]
    sync_once(company)
    row = StoredCall.objects.get(company=company, call_id="neighbour1")
    assert row.summary == "Asked about a refund."
    assert "neighbour1" not in manager_client.get("/calls/search/?q=parcel").content.decode()
    assert "neighbour1" in manager_client.get("/calls/search/?q=refund").content.decode()

    manager_client.upstream.calls = [other]  # neighbour1 is gone from Phone.inc's answers
    sync_once(company)
    assert StoredCall.objects.get(company=company, call_id="neighbour1").summary == (
        "Asked about a refund."
    )
    assert "neighbour1" in manager_client.get("/calls/search/?q=refund").content.decode()


def test_a_stored_call_phone_inc_no_longer_has_is_shown_as_stored(client_of, acme_kept, simulator):
    """Phone.inc answers 404 for the call (the simulator never had it): its page shows the
    history's copy and says so; a note can still be left on it; an unknown id stays a 404.
    While Phone.inc is down, the copy shows with Phone.inc's error."""
    started = stored.local(acme_kept, -3, 10)
    stored.keep(acme_kept, stored.a_call("gone-upstream-1", started, words="Asked about a refund."))
    page = client_of.get("/calls/gone-upstream-1/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Phone.inc no longer has this call" in text and "Asked about a refund." in text
    noted = client_of.post("/calls/gone-upstream-1/notes/", {"text": "Called back"})
    assert noted.status_code == 302
    assert Note.objects.filter(company=acme_kept, call_id="gone-upstream-1").count() == 1
    assert client_of.get("/calls/never-stored-1/").status_code == 404

    stored.keep(acme_kept, stored.a_call("kept-2", started, words="Asked about a parcel."))
    simulator.set_fault(status=503)
    down = client_of.get("/calls/kept-2/").content.decode()
    assert "Showing this call as it was" in down and "Asked about a parcel." in down
    assert "no longer has this call" not in down
