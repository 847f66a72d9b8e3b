"""The callbacks board against the simulator: the seeded story, what it costs upstream, failures,
filters, scope and tenancy.

Each test gets a simulator of its own; the seeded Acme account tells a story of missed callers
(calls/simulator/seed.py, CALLBACK_STORY) that tests read by number.
"""

from __future__ import annotations

import html
import re
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from calls.models import Membership, Note
from calls.simulator.seed import CALLBACK_STORY
from tests.conftest import ACME_KEY, GLOBEX_KEY, make_company, make_manager

URL = "/calls/callbacks/"
BOARD = {"HX-Request": "true", "HX-Target": "board"}
TWICE = "+16505550142"  # called twice, never returned
BY_PRIYA = "+19175550188"  # returned by Priya Patel's outbound call 2 h 5 min later
RANG_AGAIN = "+13105550167"  # called again 15 min later and Marcus Johnson answered
NO_ANSWER = "+17185550123"  # called back, but nobody picked up
OLD_RETURNED = "+15035550111"  # days back, returned by Alex Wong 40 min later
OLD_OPEN = "+12535550177"  # days back, never returned
SALES = "+14155551234"
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def simulator(fresh_simulator):
    return fresh_simulator


def text_of(page: str) -> str:
    """The page as text: tags dropped, whitespace collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page))).strip()


def rows(page: str) -> dict[str, str]:
    """The board's rows as text, by the caller's number as the row links it (E.164)."""
    found = {}
    for row in re.findall(r'<tr id="callback-[^"]+" class="callback.*?</tr>', page, re.S):
        match = re.search(r"phone_number=([^\"&]+)", row)
        key = html.unescape(match.group(1)).replace("%2B", "+") if match else "withheld"
        found.setdefault(key, text_of(re.sub(r"<details.*?</details>", "", row, flags=re.S)))
    return found


def sections(page: str) -> tuple[str, str]:
    """The open and the handled halves of the board."""
    opened, _, handled = page.partition('<h2 class="board-heading">Handled')
    return opened, handled


def upstream(simulator) -> int:
    return simulator.request_count("/api/")


def test_it_shows_the_seeded_open_and_returned_callbacks(alice_client, simulator):
    response = alice_client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    opened, handled = sections(page)
    open_rows, handled_rows = rows(opened), rows(handled)
    assert "Open" in open_rows[TWICE] and " 2 missed calls " in f" {open_rows[TWICE]} "
    assert "Open" in open_rows[NO_ANSWER]
    assert "Withheld number: it cannot be called back" in open_rows["withheld"]
    assert "Returned by Priya Patel after 2 h 5 min" in handled_rows[BY_PRIYA]
    assert "called back" in handled_rows[BY_PRIYA]
    assert "Returned by Marcus Johnson after 15 min" in handled_rows[RANG_AGAIN]
    assert "called again, answered" in handled_rows[RANG_AGAIN]
    # Days back, before the 50 most recent calls: shown apart, checked in a request of their
    # own, which never reloads the rows already known (the board reloads on notes only).
    checking = page.partition('id="checking-section"')[2].partition("</section>")[0]
    assert "Checking" in rows(checking)[OLD_RETURNED] and "Checking" in rows(checking)[OLD_OPEN]
    settled = page.partition('id="open-section"')[2]
    assert OLD_OPEN not in rows(settled.partition('<h2 class="board-heading">Handled')[0])
    assert 'hx-trigger="notesChanged from:body"' in page and 'hx-trigger="load"' in page
    assert re.search(r'<a href="\?check=1">Check them now</a>', page)


def test_it_checks_the_older_missed_calls_in_a_request_of_their_own(alice_client, simulator):
    alice_client.get(URL)
    response = alice_client.get(URL, headers=BOARD)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>" not in page, "the board alone"
    opened, handled = sections(page)
    assert "Returned by Alex Wong after 40 min" in rows(handled)[OLD_RETURNED]
    assert "Open" in rows(opened)[OLD_OPEN] and "Checking" not in page
    assert "load," not in page, "the checked board does not ask again"


def test_checking_puts_each_checked_row_in_place_and_leaves_the_rest(alice_client, simulator):
    alice_client.get(URL)
    headers = {"HX-Request": "true", "HX-Target": "checking-section"}
    response = alice_client.get(URL, {"check": "1"}, headers=headers)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="checking-section" hidden></div>')
    assert '<div id="open-section" hx-swap-oob="true">' in page
    assert '<div id="handled-section" hx-swap-oob="true">' in page
    assert 'id="board-figures"' in page and 'id="nav-callbacks-count"' in page
    opened, handled = sections(page)
    assert "Returned by Alex Wong after 40 min" in rows(handled)[OLD_RETURNED]
    assert "Open" in rows(opened)[OLD_OPEN] and "Checking" not in page


def test_it_checks_them_on_the_plain_link_without_javascript(alice_client, simulator):
    page = alice_client.get(URL, {"check": "1"}).content.decode()
    assert "<h1>Callbacks</h1>" in page
    assert "Returned by Alex Wong after 40 min" in rows(sections(page)[1])[OLD_RETURNED]


def test_it_says_what_the_board_covers_in_the_company_time_zone(alice_client, simulator):
    page = text_of(alice_client.get(URL).content.decode())
    inbound = simulator.calls_for(
        ACME_KEY,
        "http://x",
        lambda c: c["direction"] == "inbound" and c["state"] == "ended",
        limit=50,
    )
    oldest = datetime.fromisoformat(inbound[-1]["started_at"]).astimezone(NEW_YORK)
    assert f"The 50 most recent inbound calls: missed calls since {oldest:%a %H:%M} ." in page
    assert "times in America/New_York" in page


def test_it_asks_phoneinc_twice_cold_and_never_warm(alice_client, simulator):
    alice_client.get(URL)
    asked = [request.query for request in simulator.requests]
    assert asked == [
        {"direction": "inbound", "state": "ended", "limit": "50"},
        {"limit": "50"},
    ]
    simulator.reset_stats()
    assert alice_client.get(URL).status_code == 200
    assert upstream(simulator) == 0


def test_it_looks_each_older_number_up_once_and_caches_it(alice_client, simulator):
    alice_client.get(URL)
    simulator.reset_stats()
    alice_client.get(URL, headers=BOARD)
    asked = [request.query.get("phone_number") for request in simulator.requests]
    assert OLD_RETURNED in asked and OLD_OPEN in asked
    assert len(asked) == len(set(asked)), "one request per distinct number"
    assert all(request.query.get("limit") == "50" for request in simulator.requests)
    simulator.reset_stats()
    alice_client.get(URL, headers=BOARD)
    alice_client.get(URL, {"check": "1"})
    assert upstream(simulator) == 0


def test_it_shows_could_not_check_for_a_lookup_that_fails(alice_client, simulator):
    alice_client.get(URL)  # the two lists are cached now
    simulator.set_fault(status=503)
    response = alice_client.get(URL, headers=BOARD)
    assert response.status_code == 200
    found = rows(response.content.decode())
    assert "Could not check" in found[OLD_RETURNED] and "Could not check" in found[OLD_OPEN]
    assert "Returned by Priya Patel" in found[BY_PRIYA], "rows from the recent list stand"


def test_it_keeps_the_lookups_within_the_pages_budget(alice_client, simulator, settings):
    alice_client.get(URL)  # the two lists are cached now
    settings.PHONEDASH_UPSTREAM_BUDGET = 1.0
    simulator.delay = 0.6  # one lookup fits in the budget, the next does not
    started = time.monotonic()
    response = alice_client.get(URL, headers=BOARD)
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert elapsed < 2.0, f"{elapsed:.1f} s: the lookups must share one budget"
    statuses = [
        row
        for number, row in rows(response.content.decode()).items()
        if number in (OLD_RETURNED, OLD_OPEN)
    ]
    assert any("Could not check" in row for row in statuses)


def test_it_says_so_when_the_recent_calls_cannot_be_read(alice_client, simulator):
    alice_client.get("/calls/", {"direction": "inbound", "state": "ended", "limit": 50})
    simulator.set_fault(status=503)
    response = alice_client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "could not check which callers were called back" in page
    assert "Could not check" in rows(page)[BY_PRIYA]


def test_it_shows_a_message_when_the_missed_calls_cannot_be_read(alice_client, simulator):
    simulator.set_fault(status=503)
    response = alice_client.get(URL)
    assert response.status_code == 503
    page = response.content.decode()
    assert "Phone.inc is unavailable" in page and "Try again" in page
    fragment = alice_client.get(URL, headers=BOARD)
    assert fragment.status_code == 503 and 'id="board"' in fragment.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"show": "everything"}, "Choose to show open callbacks only, or all of them."),
        ({"line": "not a number"}, "as a line&#x27;s phone number"),
        ({"check": "yes"}, "check is 1 or left out."),
    ],
)
def test_it_answers_bad_filters_with_400_and_asks_nothing(alice_client, simulator, params, message):
    for headers in ({}, BOARD):
        response = alice_client.get(URL, params, headers=headers)
        assert response.status_code == 400
        assert message in response.content.decode()
    assert upstream(simulator) == 0


def test_it_shows_only_open_callbacks_when_asked(alice_client, simulator):
    page = alice_client.get(URL, {"show": "open"}).content.decode()
    found = rows(page)
    assert TWICE in found and BY_PRIYA not in found
    assert '<h2 class="board-heading">Handled' not in page
    assert '<option value="open" selected>' in page


def test_it_filters_by_line(alice_client, simulator):
    page = alice_client.get(URL, {"line": "(415) 555-1234"}).content.decode()
    found = rows(page)
    assert TWICE in found and NO_ANSWER in found  # Sales
    assert BY_PRIYA not in found and RANG_AGAIN not in found  # Support, Front desk
    assert f'<option value="{SALES}" selected>Sales</option>' in page
    assert all(" Sales " in f" {row} " for row in found.values())


def test_it_pushes_the_filtered_address_only_for_the_filter_form(alice_client, simulator):
    headers = {**BOARD, "HX-Trigger": "callback-filters"}
    response = alice_client.get(URL, {"show": "open", "line": ""}, headers=headers)
    assert response["HX-Push-Url"] == f"{URL}?show=open"
    assert "HX-Push-Url" not in alice_client.get(URL, headers=BOARD)


def test_it_moves_a_callback_marked_handled_down(alice_client, simulator):
    page = alice_client.get(URL).content.decode()
    latest = re.search(
        rf'<tr id="callback-([^"]+)"[^>]*>\s*<th[^>]*><a href="[^"]*{TWICE[1:]}', page
    )
    assert latest, "the open row of the caller who rang twice"
    response = alice_client.post(
        f"/calls/{latest.group(1)}/notes/",
        {"text": "Left a voicemail.", "marks_handled": "on", "next": URL},
    )
    assert response.status_code == 302 and response["Location"] == URL
    opened, handled = sections(alice_client.get(URL).content.decode())
    assert TWICE not in rows(opened)
    row = rows(handled)[TWICE]
    assert "Marked handled by alice" in row and "Left a voicemail." in row
    assert "2 missed calls" in row, "both of the caller's missed calls"


def test_it_keeps_the_cache_per_company_and_applies_the_members_lines(alice_client, bob, simulator):
    alice_client.get(URL)
    Membership.objects.filter(user=bob).update(lines=[SALES])
    simulator.reset_stats()
    alice_client.force_login(bob)
    page = alice_client.get(URL).content.decode()
    assert upstream(simulator) == 0, "the company's cached answers, filtered for bob"
    found = rows(page)
    assert TWICE in found and NO_ANSWER in found
    assert BY_PRIYA not in found and RANG_AGAIN not in found
    assert "Support" not in text_of(page.partition('id="board"')[2])
    response = alice_client.get(URL, {"line": "+14155552000"})  # Support: not bob's
    assert response.status_code == 400
    assert "That line is not one of yours" in response.content.decode()


def test_it_never_shows_charlie_acmes_missed_callers(alice_client, charlie, simulator):
    acme_numbers = {remote for remote, *_ in CALLBACK_STORY if remote.startswith("+")}
    alice_client.get(URL)
    simulator.reset_stats()
    alice_client.force_login(charlie)
    for headers in ({}, BOARD):
        page = alice_client.get(URL, headers=headers).content.decode()
        assert not acme_numbers & set(rows(page))
        assert not any(number[1:] in page for number in acme_numbers)
    assert {request.company for request in simulator.requests} == {"Globex"}


def test_it_shows_no_callbacks_on_an_empty_account(client, django_user_model, simulator):
    initech = make_company("Initech", "sim_initech_3a6f1c8e0d2b4a71", tz="America/Chicago")
    client.force_login(make_manager(django_user_model, "peter", initech))
    page = client.get(URL).content.decode()
    assert "No open callbacks" in page and "Every inbound call Phone.inc lists" in page


def nav_count(page: str) -> str:
    match = re.search(r'<span id="nav-callbacks-count" class="nav-count"[^>]*>(.*?)</span>', page)
    assert match, "the navigation's count"
    return match.group(1)


def test_it_counts_open_callbacks_in_the_nav_only_from_the_cache(alice_client, simulator):
    page = alice_client.get("/calls/").content.decode()
    assert nav_count(page) == ""
    assert upstream(simulator) == 1, "the list's own request, and nothing for the badge"
    board = alice_client.get(URL, headers=BOARD).content.decode()
    expected = sections(board)[0].count('<tr id="callback-')
    oob = re.search(
        r'<span id="nav-callbacks-count" class="nav-count" hx-swap-oob="true">(\d+)', board
    )
    assert oob and int(oob.group(1)) == expected, "the board brings the count up to date"
    simulator.reset_stats()
    page = alice_client.get("/calls/").content.decode()
    assert nav_count(page) == f'{expected}<span class="visually-hidden"> open'
    assert upstream(simulator) == 0


def test_it_counts_again_in_the_nav_once_a_note_marks_a_callback_handled(alice_client, simulator):
    """The count is memoised per answer and notes: a note (and its removal) shows at once."""
    page = alice_client.get(URL, headers=BOARD).content.decode()
    before = int(nav_count(alice_client.get("/calls/").content.decode()).partition("<")[0])
    latest = re.search(
        rf'<tr id="callback-([^"]+)"[^>]*>\s*<th[^>]*><a href="[^"]*{TWICE[1:]}', page
    )
    assert latest and before > 0
    alice_client.post(
        f"/calls/{latest.group(1)}/notes/", {"text": "Called.", "marks_handled": "on"}
    )
    after = nav_count(alice_client.get("/calls/").content.decode())
    assert after.startswith(f"{before - 1}<") or (before == 1 and after == "0")
    note = Note.objects.get(call_id=latest.group(1))
    alice_client.post(f"/calls/{latest.group(1)}/notes/{note.pk}/delete/")
    again = nav_count(alice_client.get("/calls/").content.decode())
    assert again.startswith(f"{before}<")


def test_it_counts_only_the_members_lines_in_the_nav(alice_client, bob, simulator):
    alice_client.get(URL, headers=BOARD)
    everyone = nav_count(alice_client.get("/calls/").content.decode())
    Membership.objects.filter(user=bob).update(lines=[SALES])
    alice_client.force_login(bob)
    opened = sections(alice_client.get(URL, headers=BOARD).content.decode())[0]
    sales_rows = opened.count('<tr id="callback-')
    mine = nav_count(alice_client.get("/calls/").content.decode())
    assert mine.startswith(f"{sales_rows}<") and mine != everyone


def test_it_shows_a_new_missed_call_once_the_answers_are_fresh_again(
    alice_client, simulator, settings
):
    settings.PHONEDASH_CACHE_SECONDS = 0  # every view asks again
    before = sections(alice_client.get(URL).content.decode())[0]
    simulator.add_call(
        ACME_KEY,
        from_="+12065550111",
        direction="inbound",
        state="ended",
        answered_at=None,
        duration=None,
        employees=[],
        started_at=simulator.now() - timedelta(minutes=3),
    )
    opened = sections(alice_client.get(URL).content.decode())[0]
    assert "+12065550111" not in rows(before)
    assert "waiting 3 min" in rows(opened)["+12065550111"]
    assert opened.count('<tr id="callback-') == before.count('<tr id="callback-') + 1


def test_it_keeps_notes_of_another_company_off_the_board(alice_client, globex, simulator):
    page = alice_client.get(URL).content.decode()
    call_id = re.search(r'<tr id="callback-([^"]+)"', page).group(1)
    Note.objects.create(
        company=globex,
        call_id=call_id,
        author_name="charlie",
        text="Globex secret",
        marks_handled=True,
    )
    assert "Globex secret" not in alice_client.get(URL).content.decode()


def test_it_reads_globex_callbacks_with_globexs_key(charlie_client, simulator):
    simulator.add_call(
        GLOBEX_KEY,
        from_="+447911123999",
        direction="inbound",
        answered_at=None,
        duration=None,
        employees=[],
    )
    page = charlie_client.get(URL).content.decode()
    assert "+447911123999" in rows(page)


@pytest.mark.parametrize("odd_id", ["odd.id", "x" * 65, "appel-ñ"])
def test_it_shows_a_missed_call_whose_id_our_urls_cannot_take(alice_client, simulator, odd_id):
    simulator.add_call(
        ACME_KEY,
        id=odd_id,
        from_="+12065550199",
        direction="inbound",
        state="ended",
        answered_at=None,
        duration=None,
        employees=[],
        started_at=simulator.now() - timedelta(minutes=4),
    )
    for headers in ({}, BOARD):
        response = alice_client.get(URL, headers=headers)
        assert response.status_code == 200
        assert "waiting 4 min" in rows(response.content.decode())["+12065550199"]
