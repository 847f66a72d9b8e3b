"""The call list over a period of the history: its calls newest first, a page at a time with
an opaque cursor, counts and the summary over the whole period, gaps, line scope and tenancy,
and every bad parameter answered with a 400 that says what is allowed."""

from __future__ import annotations

import re
from datetime import UTC, date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from calls.filters import periods
from calls.models import Company, Gap, Membership
from tests.conftest import make_company
from tests.history.conftest import keeping
from tests.history.stored import ALEX, SAM, SUPPORT, a_call, keep, local

URL = "/calls/"


def ids_on(html: str) -> list[str]:
    return re.findall(r'href="/calls/([A-Za-z0-9_-]+)/" hx-boost="false">Details', html)


def older_link(html: str) -> str | None:
    found = re.search(r'rel="next" href="\?([^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_a_period_lists_its_calls_newest_first_with_the_count_and_summary(client_of, acme_kept):
    keep(
        acme_kept,
        a_call("y1", local(acme_kept, -1, 9)),
        a_call("y2", local(acme_kept, -1, 10), answered=False),
        a_call("d3", local(acme_kept, -3, 12), direction="outbound"),
        a_call("old", local(acme_kept, -10, 12)),  # outside the last 7 days
    )
    response = client_of.get(URL, {"period": "7d"})
    html = response.content.decode()
    assert response.status_code == 200
    assert ids_on(html) == ["y2", "y1", "d3"]
    assert "<strong>3</strong> calls" in html
    stats = re.search(r'<ul class="stats"[^>]*>(.*?)</ul>', html, re.S).group(1)
    assert re.search(r">1</span> missed", stats) and re.search(r">1</span> outbound", stats)
    assert "Last 7 days" in html  # the When control shows what was asked


def test_paging_walks_the_whole_period_without_duplicates_or_holes(client_of, acme_kept):
    start = local(acme_kept, -2, 8)
    calls = [a_call(f"c{n:03d}", start + timedelta(minutes=n)) for n in range(25)]
    # Two calls in the same second: the cursor tells them apart.
    calls.append(a_call("same-a", start + timedelta(minutes=7)))
    keep(acme_kept, *calls)
    seen, query, pages = [], "period=7d&limit=10", 0
    while query:
        html = client_of.get(f"{URL}?{query}").content.decode()
        page = ids_on(html)
        assert 0 < len(page) <= 10
        seen += page
        pages += 1
        # A call arriving meanwhile is newer than every page after the first: it never
        # shifts what the cursor names.
        keep(acme_kept, a_call(f"new{pages}", local(acme_kept, -1, 9, pages)))
        query = older_link(html)
        if pages > 1:
            assert "Newest calls" in html
    assert pages == 3
    assert sorted(seen) == sorted(c.id for c in calls)  # every call once
    assert len(seen) == len(set(seen))


def test_the_cursor_is_opaque_and_a_forged_one_is_a_400(client_of, acme_kept):
    keep(acme_kept, *(a_call(f"c{n}", local(acme_kept, -1, 8, n)) for n in range(3)))
    html = client_of.get(URL, {"period": "7d", "limit": 2}).content.decode()
    cursor = parse_qs(older_link(html))["before"][0]
    assert "c1" not in cursor and ":" not in cursor
    response = client_of.get(URL, {"period": "7d", "before": "not-a-cursor"})
    assert response.status_code == 400
    assert "Start again from the newest calls" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"period": "fortnight"}, "is not a period we know"),
        ({"period": "7d", "from": "2026-01-01"}, "not both"),
        ({"from": "2026-13-01"}, "not a day of the calendar"),
        ({"from": "yesterday"}, "write from as YYYY-MM-DD"),
        ({"to": "1.2.2026"}, "write to as YYYY-MM-DD"),
        ({"period": "7d", "limit": "0"}, "Show at least 1 call"),
        ({"period": "7d", "limit": "201"}, "at most 200 calls"),
        ({"limit": "51"}, "Phone.inc returns at most 50 calls"),
        ({"period": "7d", "limit": "many"}, "Enter a whole number of calls"),
        ({"period": "7d", "line": "not a number"}, "as a line"),
        ({"period": "7d", "employee": "../etc"}, "Phone.inc id"),
    ],
)
def test_each_bad_parameter_is_a_400_that_says_what_is_allowed(client_of, params, message):
    response = client_of.get(URL, params)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_period_before_the_oldest_kept_day_is_a_400_naming_it(client_of, acme_kept):
    acme_kept.history_days = 30
    acme_kept.save()
    oldest = timezone.localdate(timezone.now(), acme_kept.zone) - timedelta(days=29)
    response = client_of.get(URL, {"period": "90d"})
    assert response.status_code == 400
    assert f"The call history goes back to {periods.day_label(oldest, year=True)}" in (
        response.content.decode()
    )
    # Years before it too: what the history keeps is said first, not the 366-day limit.
    response = client_of.get(URL, {"from": "2020-01-01"})
    assert response.status_code == 400
    assert "The call history goes back to" in response.content.decode()


def test_a_range_that_ends_before_it_starts_or_spans_too_long_is_a_400(client_of, acme_kept):
    today = timezone.localdate(timezone.now(), acme_kept.zone)
    backwards = {"from": str(today - timedelta(days=1)), "to": str(today - timedelta(days=3))}
    response = client_of.get(URL, backwards)
    assert response.status_code == 400 and "before it starts" in response.content.decode()
    acme_kept.history_days = 3650
    acme_kept.save()
    long = {"from": str(today - timedelta(days=400)), "to": str(today)}
    response = client_of.get(URL, long)
    assert response.status_code == 400 and "at most 366 days" in response.content.decode()


def test_a_period_on_a_company_without_history_is_a_400_saying_an_admin_can_turn_it_on(
    client, alice, acme, simulator
):
    client.force_login(alice)
    response = client.get(URL, {"period": "7d"})
    assert response.status_code == 400
    assert "An admin can turn the history on" in response.content.decode()
    assert not [r for r in simulator.requests if r.path.endswith("/calls")]  # nothing asked
    response = client.get(URL, {"before": "abc"})
    assert response.status_code == 400


def test_a_gap_the_period_overlaps_is_shown_above_the_calls(client_of, acme_kept):
    keep(acme_kept, a_call("y1", local(acme_kept, -1, 9)))
    start = local(acme_kept, -1, 10, 2)
    Gap.objects.create(company=acme_kept, start=start, end=start + timedelta(minutes=3))
    html = client_of.get(URL, {"period": "7d"}).content.decode()
    assert "Between 10:02 and 10:05 on" in html
    assert "some may be missing" in html
    html = client_of.get(URL, {"period": "today"}).content.decode()
    assert "some may be missing" not in html  # yesterday's gap is not today's


def test_a_line_limited_member_sees_and_counts_only_their_lines(client_of, alice, acme_kept):
    Membership.objects.filter(user=alice).update(lines=["+14155551234"])
    keep(
        acme_kept,
        a_call("sales", local(acme_kept, -1, 9)),
        a_call("support1", local(acme_kept, -1, 10), line=SUPPORT),
        a_call("support2", local(acme_kept, -1, 11), line=SUPPORT),
    )
    html = client_of.get(URL, {"period": "7d", "phone_number": "+14085550100"}).content.decode()
    assert ids_on(html) == ["sales"]
    count = re.search(r'class="period-count">(.*?)</p>', html).group(1)
    assert count.startswith("<strong>1</strong> call on your lines,")
    response = client_of.get(URL, {"period": "7d", "line": "+1 415-555-5678"})
    assert response.status_code == 400 and "not one of yours" in response.content.decode()


def test_line_and_employee_filters_narrow_a_period(client_of, acme_kept):
    keep(
        acme_kept,
        a_call("alex", local(acme_kept, -1, 9), employees=(ALEX,)),
        a_call("sam", local(acme_kept, -1, 10), employees=(SAM,), line=SUPPORT),
        a_call("sam-out", local(acme_kept, -1, 11), direction="outbound", employees=(SAM,)),
    )
    html = client_of.get(URL, {"period": "7d", "employee": "emp-sam"}).content.decode()
    assert ids_on(html) == ["sam-out", "sam"]
    html = client_of.get(URL, {"period": "7d", "line": "(415) 555-5678"}).content.decode()
    assert ids_on(html) == ["sam"]


def test_another_companys_calls_are_never_listed_or_counted(client_of, acme_kept, globex):
    keeping(globex)
    keep(globex, a_call("globex-call", local(globex, -1, 9)))
    keep(acme_kept, a_call("acme-call", local(acme_kept, -1, 9)))
    html = client_of.get(URL, {"period": "7d"}).content.decode()
    assert ids_on(html) == ["acme-call"]
    assert "<strong>1</strong> call," in html


def test_without_a_period_the_list_is_phone_incs_newest_as_before(client_of, simulator):
    response = client_of.get(URL)
    assert response.status_code == 200
    assert [r for r in simulator.requests if r.path.endswith("/calls")]
    assert "Older calls" not in response.content.decode()


def test_an_empty_period_says_so(client_of):
    html = client_of.get(URL, {"period": "yesterday"}).content.decode()
    assert "No calls in this period" in html


# --- Periods in the company's days -----------------------------------------------------------


def test_a_day_is_the_companys_day_across_a_daylight_saving_change(db):
    company = keeping(make_company("Zone Co", "key-zone", tz="America/New_York"), days=365)
    spring = periods.read(company, {"from": "2026-03-08", "to": "2026-03-08"}, date(2026, 3, 10))
    assert spring.until.astimezone(UTC) - spring.since.astimezone(UTC) == timedelta(hours=23)
    autumn = periods.read(company, {"from": "2026-11-01", "to": "2026-11-01"}, date(2026, 11, 3))
    assert autumn.until.astimezone(UTC) - autumn.since.astimezone(UTC) == timedelta(hours=25)
    week = periods.read(company, {"period": "7d"}, date(2026, 3, 10))
    assert (week.first, week.last) == (date(2026, 3, 4), date(2026, 3, 10))
    assert week.since.utcoffset() == timedelta(hours=-5)  # EST before the change
    assert week.until.utcoffset() == timedelta(hours=-4)  # EDT after it


@pytest.mark.parametrize(
    ("name", "first", "last"),
    [
        ("today", date(2026, 3, 10), date(2026, 3, 10)),
        ("yesterday", date(2026, 3, 9), date(2026, 3, 9)),
        ("30d", date(2026, 2, 9), date(2026, 3, 10)),
        ("month", date(2026, 3, 1), date(2026, 3, 10)),
        ("lastmonth", date(2026, 2, 1), date(2026, 2, 28)),
    ],
)
def test_named_periods_are_the_companys_days(db, name, first, last):
    company = keeping(make_company("Days Co", "key-days"), days=365)
    period = periods.read(company, {"period": name}, date(2026, 3, 10))
    assert (period.first, period.last) == (first, last)


def test_from_alone_runs_to_today_and_to_alone_from_the_oldest_kept_day(db):
    company = keeping(make_company("Range Co", "key-range"), days=30)
    today = date(2026, 3, 10)
    period = periods.read(company, {"from": "2026-03-01"}, today)
    assert (period.first, period.last) == (date(2026, 3, 1), today)
    period = periods.read(company, {"to": "2026-03-05"}, today)
    assert (period.first, period.last) == (date(2026, 2, 9), date(2026, 3, 5))
    with pytest.raises(periods.PeriodError, match="goes back to Mon 9 Feb 2026"):
        periods.read(company, {"from": "2026-02-08"}, today)


def test_the_when_control_shows_only_when_the_history_is_on(client, alice, acme, simulator):
    client.force_login(alice)
    assert 'name="period"' not in client.get(URL).content.decode()
    keeping(acme)
    html = client.get(URL).content.decode()
    assert 'name="period"' in html and "Last 90 days" in html and 'name="from"' in html
    assert Company.objects.get(pk=acme.pk).keeps_history


def test_a_period_link_keeps_its_filters_into_insights_and_the_export(client_of, acme_kept):
    keep(acme_kept, a_call("y1", local(acme_kept, -1, 9)))
    html = client_of.get(URL, {"period": "7d", "direction": "inbound"}).content.decode()
    link = re.search(r'href="/calls/insights/\?([^"]+)"', html).group(1).replace("&amp;", "&")
    assert parse_qs(link) == {"period": ["7d"], "direction": ["inbound"]}
    assert urlsplit("/calls/insights/?" + link).query
