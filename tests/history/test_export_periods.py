"""The export of a period: every matching call of the history, newest first, the list's columns,
streamed; too many rows is a 400 asking to narrow the period; each download audited with both
dates and the row count."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from calls.insights import csv_file, export
from calls.models import AuditEvent, Membership
from tests.history.conftest import keeping
from tests.history.stored import SUPPORT, a_call, keep, local

URL = "/calls/export.csv"


def rows_of(response) -> list[list[str]]:
    assert response.streaming
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def test_a_period_exports_every_matching_call_newest_first(client_of, acme_kept):
    start = local(acme_kept, -1, 0)
    calls = [
        a_call(f"c{n:03d}", start + timedelta(minutes=n), words="hello there") for n in range(120)
    ]
    keep(acme_kept, *calls, a_call("old", local(acme_kept, -20, 9)))
    response = client_of.get(URL, {"period": "7d"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Cache-Control"] == "private, no-store"
    rows = rows_of(response)
    assert rows[0] == list(csv_file.COLUMNS)
    assert [row[0] for row in rows[1:]] == [f"c{n:03d}" for n in reversed(range(120))]
    assert rows[1][12] == "Call c119."  # the summary, for a member who may read it


def test_the_export_is_audited_with_both_dates_and_the_row_count(client_of, acme_kept, alice):
    keep(acme_kept, a_call("y1", local(acme_kept, -1, 9)), a_call("y2", local(acme_kept, -1, 10)))
    first, last = local(acme_kept, -6, 0).date(), local(acme_kept, 0, 0).date()
    rows_of(client_of.get(URL, {"period": "7d", "direction": "inbound"}))
    event = AuditEvent.objects.get(action=AuditEvent.EXPORT_DOWNLOADED)
    assert event.user == alice
    assert event.detail == f"from={first}, to={last}, rows=2, direction=inbound"


def test_filters_and_lines_narrow_the_export(client_of, acme_kept, alice):
    keep(
        acme_kept,
        a_call("sales", local(acme_kept, -1, 9), words="secret words"),
        a_call("support", local(acme_kept, -1, 10), line=SUPPORT),
    )
    Membership.objects.filter(user=alice).update(lines=["+14155551234"], can_access_content=False)
    rows = rows_of(client_of.get(URL, {"period": "7d"}))
    assert [row[0] for row in rows[1:]] == ["sales"]
    assert rows[1][12] == ""  # no summary for a member who may not read calls


def test_too_many_rows_is_a_400_asking_to_narrow_the_period(client_of, acme_kept, monkeypatch):
    keep(acme_kept, *(a_call(f"c{n}", local(acme_kept, -1, 9, n)) for n in range(3)))
    monkeypatch.setattr(export, "MAX_ROWS", 2)
    response = client_of.get(URL, {"period": "7d"})
    assert response.status_code == 400
    assert "Choose a shorter period" in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditEvent.EXPORT_DOWNLOADED).exists()


def test_a_bad_period_is_a_400_page_not_a_file(client_of):
    response = client_of.get(URL, {"period": "7d", "to": "2026-01-01"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "not both" in response.content.decode()


def test_another_companys_calls_are_never_exported(client_of, acme_kept, globex):
    keeping(globex)
    keep(globex, a_call("globex-call", local(globex, -1, 9)))
    rows = rows_of(client_of.get(URL, {"period": "7d"}))
    assert rows == [list(csv_file.COLUMNS)]
