"""The callbacks board over a period of the history: the period's missed calls, returns matched
against the stored calls and Phone.inc's newest (one returned a minute ago counts), nothing left
to check, the figures above the board, and periods over 90 days refused."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from calls.callbacks import periods as callback_periods
from calls.models import Membership
from tests.conftest import ACME_KEY
from tests.history.conftest import keeping
from tests.history.stored import SUPPORT, a_call, keep, local
from tests.insights.test_insights_page import text_of

URL = "/calls/callbacks/"


@pytest.fixture
def missed(acme_kept):
    keep(
        acme_kept,
        # Returned 20 minutes later by an outbound call: handled within the hour.
        a_call("m-returned", local(acme_kept, -2, 9), answered=False, remote="+14085550111"),
        a_call("back", local(acme_kept, -2, 9, 20), direction="outbound", remote="+14085550111"),
        # Returned two days later, after the period's end would not matter: the stored call
        # is later than the missed one, wherever it falls.
        a_call("m-late", local(acme_kept, -5, 9), answered=False, remote="+14085550122"),
        a_call("late-back", local(acme_kept, -3, 9), remote="+14085550122"),
        # Never returned.
        a_call("m-open", local(acme_kept, -1, 9), answered=False, remote="+14085550133"),
        a_call(
            "m-support",
            local(acme_kept, -1, 10),
            answered=False,
            remote="+14085550144",
            line=SUPPORT,
        ),  # fmt: skip
        # Outside the last 7 days.
        a_call("m-old", local(acme_kept, -20, 9), answered=False, remote="+14085550155"),
    )
    return acme_kept


def sections(html: str) -> dict[str, list[str]]:
    """The row ids of the Open and Handled tables."""
    found = {}
    for name in ("Open", "Handled"):
        table = re.search(rf'aria-label="{name} callbacks".*?</table>', html, re.S)
        found[name] = re.findall(r'id="callback-([^"]+)"', table.group(0)) if table else []
    return found


def call_back_m_open(simulator) -> None:
    """A minute ago, m-open's caller was called back: in Phone.inc's newest calls, not stored."""
    simulator.add_call(
        ACME_KEY,
        direction="outbound",
        to="+14085550133",
        started_at=simulator.now() - timedelta(minutes=1),
        answered_at=simulator.now() - timedelta(seconds=50),
    )


def test_the_board_shows_the_last_7_days_missed_calls_by_default(client_of, missed):
    response = client_of.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert sections(html) == {
        "Open": ["m-open", "m-support"],
        "Handled": ["m-returned", "m-late"],
    }
    assert "Checking" not in html and 'hx-trigger="load' not in html  # nothing left to check
    text = text_of(response)
    assert "2 open" in text and "2 handled" in text
    assert "1 of 2 returned within 1 hour" in text
    # The middle of 20 minutes and 2 days.
    assert "1 d 0 h median time to return" in text or "1 d median time to return" in text


def test_a_call_returned_a_minute_ago_counts_before_the_sync_stores_it(
    client_of, missed, simulator
):
    call_back_m_open(simulator)
    html = client_of.get(URL, {"period": "7d"}).content.decode()
    assert "m-open" in sections(html)["Handled"]


def test_newest_calls_fetched_again_rebuild_the_board_only_when_they_hold_a_return(
    client_of, missed, simulator, monkeypatch, settings
):
    """Phone.inc's newest calls are fetched again every few seconds: the board (thousands of
    stored calls read and matched, for a busy week) is built again only when they hold a call
    with one of its missed callers' numbers."""
    builds = []
    real_build = callback_periods.callbacks.build

    def counted(*args, **kwargs):
        builds.append(1)
        return real_build(*args, **kwargs)

    monkeypatch.setattr(callback_periods.callbacks, "build", counted)
    settings.PHONEDASH_CACHE_SECONDS = 0  # every view fetches the newest calls again
    assert "m-open" in sections(client_of.get(URL, {"period": "7d"}).content.decode())["Open"]
    simulator.add_call(ACME_KEY, direction="inbound", started_at=simulator.now())  # a stranger
    fetched = len(simulator.requests)
    html = client_of.get(URL, {"period": "7d"}).content.decode()
    assert "m-open" in sections(html)["Open"] and len(builds) == 1
    assert len(simulator.requests) == fetched + 1  # they were fetched again

    call_back_m_open(simulator)
    html = client_of.get(URL, {"period": "7d"}).content.decode()
    assert "m-open" in sections(html)["Handled"] and len(builds) == 2


def test_a_line_limited_member_sees_only_their_lines_missed_calls(client_of, alice, missed):
    Membership.objects.filter(user=alice).update(lines=["+14155555678"])
    html = client_of.get(URL, {"period": "7d"}).content.decode()
    assert sections(html) == {"Open": ["m-support"], "Handled": []}


def test_a_period_over_90_days_is_a_400(client_of, acme_kept):
    today = timezone.localdate(timezone.now(), acme_kept.zone)
    response = client_of.get(URL, {"from": str(today - timedelta(days=100))})
    assert response.status_code == 400
    assert "at most 90 days" in response.content.decode()


def test_latest_is_phone_incs_board_as_before(client_of, missed, simulator):
    response = client_of.get(URL, {"period": ""})
    assert response.status_code == 200
    assert "m-open" not in response.content.decode()
    assert [r for r in simulator.requests if r.path.endswith("/calls")]


def test_another_companys_missed_calls_never_show(client_of, acme_kept, globex):
    keeping(globex)
    keep(globex, a_call("g-missed", local(globex, -1, 9), answered=False))
    html = client_of.get(URL).content.decode()
    assert "g-missed" not in html
    assert "No missed calls" in html


def test_a_long_board_shows_the_top_of_each_table_and_says_how_many_more(
    client_of, missed, monkeypatch
):
    monkeypatch.setattr(callback_periods, "SHOWN_ROWS", 1)
    response = client_of.get(URL, {"period": "7d"})
    assert sections(response.content.decode()) == {"Open": ["m-open"], "Handled": ["m-returned"]}
    text = text_of(response)
    assert "Showing the 1 longest waiting of 2 open callers" in text
    assert "2 open" in text and "2 handled" in text  # the figures count every row
