"""Insights over a period of the history: every figure over all the period's calls, counted by
the database (from the tallies kept per day for long unfiltered periods, from the stored calls
otherwise, alike), the chart by hour, day or week, headlines beside the period before, the
per-line return figures, words where the member may read them, and the same figures from the
history as from Phone.inc's window for the same calls."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from calls.filters import periods
from calls.insights import figures
from calls.insights import periods as over_periods
from calls.models import Membership
from calls.sources import CallQuery, Window
from calls.sources.tallies import of_calls
from tests.history.conftest import keeping
from tests.history.stored import ALEX, SAM, SUPPORT, a_call, keep, local
from tests.insights.test_insights_page import table, text_of

URL = "/calls/insights/"


@pytest.fixture
def week(acme_kept):
    """Calls on three days of the last week and one the week before."""
    keep(
        acme_kept,
        a_call("m1", local(acme_kept, -2, 9), answered=False, remote="+14085550111"),
        # m1's caller called back 30 minutes later by Alex: returned within the hour.
        a_call(
            "r1",
            local(acme_kept, -2, 9, 30),
            direction="outbound",
            remote="+14085550111",
            words="one two three four",
        ),
        a_call("m2", local(acme_kept, -3, 9), answered=False, remote="+14085550122", line=SUPPORT),
        a_call("a1", local(acme_kept, -3, 10), employees=(SAM,), line=SUPPORT, words="hi there"),
        a_call("a2", local(acme_kept, -4, 11), employees=(ALEX, SAM)),
        a_call("prev", local(acme_kept, -9, 11)),  # the 7 days before
        a_call("prev-missed", local(acme_kept, -10, 11), answered=False, remote="+14085550133"),
    )
    return acme_kept


def test_insights_count_the_last_7_days_by_default_with_the_history_on(client_of, week):
    response = client_of.get(URL)
    assert response.status_code == 200
    text = text_of(response)
    assert "Covers 5 calls," in text
    assert response.content.decode().count('class="chart-bar"') == 7  # a bar per day
    assert "Calls per day" in text


def test_headlines_sit_beside_the_period_before(client_of, week):
    text = text_of(client_of.get(URL, {"period": "7d"}))
    assert "Calls 5 +150% vs the 7 days before" in text
    # 2 of 4 inbound missed now (50%); 1 of 2 before (50%).
    assert "Missed 50% +0 pts vs the 7 days before" in text or "Missed 50% 0 pts" in text
    assert "Median time to return 30 min" in text


def test_each_line_says_how_its_missed_calls_were_returned(client_of, week):
    rows = table(client_of.get(URL, {"period": "7d"}), "Lines of these calls")
    sales = next(row for row in rows if row[0].startswith("Sales"))
    support = next(row for row in rows if row[0].startswith("Support"))
    assert sales[3:5] == ["1", "50%"] and sales[7:] == ["100%", "100%", "30 min", "30 min"]
    assert support[3] == "1" and support[7:] == ["0%", "0%", "—", "—"]


def test_word_shares_come_from_the_kept_transcripts_for_members_who_may_read_them(
    client_of, alice, week
):
    rows = table(client_of.get(URL, {"period": "7d"}), "Employees on these calls")
    alex = next(row for row in rows if row[0] == "Alex Wong")
    assert alex[-1] == "67%"  # 4 of the 6 words of his transcribed call
    Membership.objects.filter(user=alice).update(can_access_content=False)
    response = client_of.get(URL, {"period": "7d"})
    assert "your account may not read transcripts" in text_of(response)
    assert "67%" not in response.content.decode()


def test_long_periods_read_the_daily_tallies_not_the_calls(client_of, week):
    with CaptureQueriesContext(connection) as queries:
        response = client_of.get(URL, {"period": "90d"})
    assert response.status_code == 200
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "calls_lineday" in sql and "calls_employeeday" in sql
    assert not re.search(r'FROM "calls_storedcall"', sql)
    assert "Calls per week" in text_of(response)  # more than 62 days: by week
    assert "Covers 7 calls," in text_of(response)


def test_short_and_filtered_periods_count_the_same_as_the_tallies(client_of, week):
    whole = table(client_of.get(URL, {"period": "7d"}), "Lines of these calls")
    # An unfiltered long period comes from the tallies; each line filtered alone from the
    # stored calls: the two agree.
    for line in ("+14155551234", "+14155555678"):
        rows = table(client_of.get(URL, {"period": "7d", "line": line}), "Lines of these calls")
        assert rows == [row for row in whole if line[-4:] in row[0]]
    two_days = {"from": str(local(week, -3, 0).date()), "to": str(local(week, -2, 0).date())}
    text = text_of(client_of.get(URL, two_days))
    assert "Calls per hour" in text and "Covers 4 calls," in text


def test_a_line_limited_member_counts_only_their_lines(client_of, alice, week):
    Membership.objects.filter(user=alice).update(lines=["+14155555678"])
    response = client_of.get(URL, {"period": "7d"})
    text = text_of(response)
    assert "Covers 2 calls on your lines" in text
    assert [row[0][:7] for row in table(response, "Lines of these calls")] == ["Support"]


def test_another_companys_calls_are_never_counted(client_of, week, globex):
    keeping(globex)
    keep(globex, *(a_call(f"g{n}", local(globex, -1, 9, n)) for n in range(5)))
    assert "Covers 5 calls," in text_of(client_of.get(URL, {"period": "7d"}))
    assert "Covers 7 calls," in text_of(client_of.get(URL, {"period": "90d"}))


def test_latest_still_counts_phone_incs_newest(client_of, week, simulator):
    response = client_of.get(URL, {"period": ""})
    assert response.status_code == 200
    assert "most recent" in text_of(response)
    assert [r for r in simulator.requests if r.path.endswith("/calls")]


def test_a_period_before_the_history_is_a_400(client_of, acme_kept):
    today = timezone.localdate(timezone.now(), acme_kept.zone)
    response = client_of.get(URL, {"from": str(today - timedelta(days=200))})
    assert response.status_code == 400
    assert "The call history goes back to" in response.content.decode()


def test_the_same_calls_give_the_same_figures_from_the_window_and_the_history(acme_kept, simulator):
    """Phone.inc's newest 50 calls, counted as the window counts them and, once stored, as
    the history does: from its stored calls (a short period) and its daily tallies (a long
    one)."""
    window = Window(acme_kept).list(CallQuery(limit=50)).calls
    assert len(window) == 50
    keep(acme_kept, *window)
    live = of_calls(window, acme_kept.region, acme_kept.zone, words=False)
    today = timezone.localdate(timezone.now(), acme_kept.zone)
    period = periods.span(acme_kept, today - timedelta(days=9), today, periods.CUSTOM)
    query = CallQuery(since=period.since, until=period.until)
    for count in (over_periods.from_calls, over_periods.from_days):
        kept = count(acme_kept, query, period, words=False).tallies
        assert kept.count == 50
        assert figures.lines_of(kept) == figures.lines_of(live)
        assert figures.employees_of(kept, words=False) == figures.employees_of(live, words=False)
