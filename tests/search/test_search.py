"""The call search, `/calls/search/`: what it finds for each form of query, how it shows what it
found, who may search what, and every bad input answered without a 500. Runs on whichever
engine the suite runs on (CI runs it on SQLite and on PostgreSQL)."""

from __future__ import annotations

import html as html_lib
import logging
import re
from dataclasses import replace
from datetime import timedelta

import pytest

from calls.history import levels, retention
from calls.models import Company, Membership
from calls.phoneinc import TranscriptSegment
from tests.conftest import GLOBEX_KEY, make_company, make_manager
from tests.history.conftest import keeping
from tests.history.stored import ALEX, SAM, SUPPORT, a_call, keep, local

URL = "/calls/search/"


def found_ids(page: str) -> list[str]:
    return re.findall(r'href="/calls/([A-Za-z0-9_-]+)/\?q=[^"]*">Details', page)


def snippets(page: str) -> list[str]:
    return re.findall(r'<li class="snippet">(.*?)</li>', page, re.S)


def count(page: str) -> int | None:
    found = re.search(r"<strong>(\d+)</strong> calls? (?:on your lines )?match", page)
    return int(found.group(1)) if found else None


def search(client, q: str, **params) -> tuple[int, str]:
    response = client.get(URL, {"q": q, **params})
    return response.status_code, response.content.decode()


@pytest.fixture
def said(acme_kept):
    """Five calls of Acme's, each saying something the tests search for."""
    keep(
        acme_kept,
        a_call("refund", local(acme_kept, -1, 9), words="I would like a refund for order 1042."),
        a_call("refunded", local(acme_kept, -2, 9), words="The money was refunded yesterday."),
        a_call(
            "latefee", local(acme_kept, -3, 9), words="There is a late fee on invoice INV-29437."
        ),
        a_call("feelate", local(acme_kept, -4, 9), words="The fee came late, and the invoice too."),
        a_call("zoe", local(acme_kept, -5, 9), words="Zoë here, from the señor's office. ÉCOLE"),
    )
    return acme_kept


# --- What each form of query finds -----------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("refund", ["refund"]),  # a whole word: "refunded" is another word, nothing stemmed
        ("REFUND", ["refund"]),
        ("refund*", ["refund", "refunded"]),
        ("late fee", ["latefee", "feelate"]),  # every word, in any order
        ('"late fee"', ["latefee"]),  # the words next to each other
        ("fee -invoice", []),
        ("late -INV-29437", ["feelate"]),
        ("refund OR refunded", ["refund", "refunded"]),
        ("yesterday OR zoe money", ["refunded"]),  # OR binds the words beside it
        ("zoe", ["zoe"]),
        ("Zoë", ["zoe"]),
        ("senor", ["zoe"]),
        ("ecole", ["zoe"]),
        ("1042", ["refund"]),
        ("INV-29437", ["latefee"]),
        ("inv 29437", ["latefee"]),
        ("29437", ["latefee"]),
        ("order 104", []),  # numbers as written, not their start
    ],
)
def test_each_form_of_query_finds_what_it_says(client_of, said, q, expected):
    status, page = search(client_of, q)
    assert status == 200
    assert sorted(found_ids(page)) == sorted(expected)
    if expected:
        assert count(page) == len(expected)
    else:
        assert "No calls say that" in page


def test_it_searches_what_was_said_not_who_said_it(client_of, said):
    status, page = search(client_of, "Alex")  # every call's employee, never said
    assert status == 200
    assert found_ids(page) == []


def test_summaries_are_searched_as_well_as_transcripts(client_of, acme_kept):
    keep(
        acme_kept,
        a_call("s1", local(acme_kept, -1, 9), words="hello"),
        _with_summary(a_call("s2", local(acme_kept, -1, 10), words="hi"), "A chargeback."),
    )
    status, page = search(client_of, "chargeback")
    assert found_ids(page) == ["s2"]
    assert "Summary:</span> A <mark>chargeback</mark>." in page


def _with_summary(call, summary: str | None):
    return replace(call, summary=summary)


@pytest.mark.parametrize(
    "q",
    [
        "<script>alert(1)</script>",
        "'; DROP TABLE calls_storedcall; --",
        '"',
        '"late fee',
        "-",
        "- refund",
        "OR",
        "refund OR",
        "OR OR OR",
        "!!! ??? ***",
        "refund & | ! : * ( ) <-> '",
        "\\",
        "NEAR(refund late)",
        "refund:*",
        "%_%",
        "ŉ ǅ ß ﬁ ½ ²",
    ],
)
def test_hostile_or_odd_text_is_read_as_plain_words_never_an_error(client_of, said, q):
    status, page = search(client_of, q)
    assert status == 200
    assert "<script>alert" not in page
    assert "<mark>" not in "".join(snippets(page)) or found_ids(page)
    # Whatever was typed shows escaped in the search box.
    assert f'value="{html_lib.escape(q.strip(), quote=True)}"' in page or not q.strip()


def test_a_null_character_is_a_400_that_says_so(client_of, said):
    status, page = search(client_of, "refund\x00")
    assert status == 400
    assert "Null characters are not allowed" in page


def test_a_dangling_minus_or_or_is_a_plain_word(client_of, said):
    assert sorted(found_ids(search(client_of, "refund -")[1])) == ["refund"]
    # A trailing OR is the word "or", which no call says.
    assert found_ids(search(client_of, "refund OR")[1]) == []
    keep(said, a_call("or", local(said, -1, 11), words="a refund or a credit"))
    assert found_ids(search(client_of, "refund OR")[1]) == ["or"]


def test_words_only_left_out_ask_for_a_word_to_find(client_of, said):
    status, page = search(client_of, "-refund")
    assert status == 200
    assert "Add a word to find" in page
    assert found_ids(page) == []


# --- What a result shows -----------------------------------------------------------------------


def test_a_result_is_the_calls_row_with_marked_snippets_naming_the_speaker(client_of, acme_kept):
    keep(
        acme_kept,
        a_call(
            "row",
            local(acme_kept, -1, 9, 30),
            words="Your refund is on its way.",
            line=SUPPORT,
            duration=125,
            employees=(SAM,),
        ),
    )
    status, page = search(client_of, "refund")
    assert status == 200
    result = re.search(r'<tbody class="result">(.*?)</tbody>', page, re.S).group(1)
    assert "Inbound" in result
    assert "(408) 555-0100" in result  # the other party
    assert "Support" in result
    assert "2:05" in result or "2 min" in result  # the duration
    assert "Sam Lee" in result
    assert 'href="/calls/row/?q=refund"' in result
    assert snippets(page) == [
        '<span class="snippet-source">Sam Lee:</span> Your <mark>refund</mark> is on its way.'
    ]


def test_snippets_escape_everything_but_the_marks(client_of, acme_kept):
    words = 'Type <b>refund</b> & "<script>alert(1)</script>" then refund again'
    keep(acme_kept, a_call("x", local(acme_kept, -1, 9), words=words))
    status, page = search(client_of, "refund script")
    assert status == 200
    shown = snippets(page)[0]
    assert "<b>" not in shown and "<script>" not in shown
    assert "&lt;b&gt;<mark>refund</mark>&lt;/b&gt;" in shown
    assert "&lt;<mark>script</mark>&gt;" in shown
    assert "&amp;" in shown
    assert re.sub(r"</?mark>", "", shown).count("<") == 2  # the speaker's span only


def test_up_to_three_snippets_around_the_matches(client_of, acme_kept):
    filler = " ".join(["nothing to see here"] * 30)
    segments = tuple(
        TranscriptSegment("Caller" if n % 2 else ALEX.name, text, None if n % 2 else ALEX.id)
        for n, text in enumerate(
            [
                f"{filler} the refund {filler}",
                "no match",
                "a second refund",
                "third refund",
                "fourth refund",
            ]
        )
    )
    call = _with_summary(a_call("many", local(acme_kept, -1, 9), words="x"), None)
    keep(acme_kept, replace(call, segments=segments))
    page = search(client_of, "refund")[1]
    shown = snippets(page)
    assert len(shown) == 3
    assert shown[0].startswith('<span class="snippet-source">Alex Wong:</span> …')  # cut
    assert shown[0].endswith("…")
    assert len(re.sub(r"<[^>]+>", "", shown[0])) < 320
    assert all("<mark>refund</mark>" in snippet for snippet in shown)
    assert '<span class="snippet-source">Caller:</span>' not in "".join(shown[:1])


def test_more_relevant_calls_come_first_then_newer_ones(client_of, acme_kept):
    keep(
        acme_kept,
        a_call("once-new", local(acme_kept, -1, 9), words="refund please for the order today"),
        a_call("thrice", local(acme_kept, -3, 9), words="refund refund refund for the order"),
        a_call("once-old", local(acme_kept, -5, 9), words="refund please for the order today"),
    )
    assert found_ids(search(client_of, "refund")[1]) == ["thrice", "once-new", "once-old"]


def test_more_results_page_through_every_match_once(client_of, acme_kept):
    start = local(acme_kept, -3, 8)
    keep(
        acme_kept,
        *[
            a_call(f"c{n:02d}", start + timedelta(minutes=n), words="same refund words")
            for n in range(45)
        ],
        a_call("other", start, words="nothing alike"),
    )
    seen, query = [], "q=refund"
    pages = 0
    while query:
        page = client_of.get(f"{URL}?{query}").content.decode()
        assert count(page) == 45
        ids = found_ids(page)
        assert 0 < len(ids) <= 20
        seen += ids
        pages += 1
        more = re.search(r'rel="next" href="\?([^"]+)"', page)
        query = html_lib.unescape(more.group(1)) if more else None
        assert pages < 5
    assert pages == 3
    assert sorted(seen) == sorted(f"c{n:02d}" for n in range(45))
    assert seen[:20] == [f"c{n:02d}" for n in range(44, 24, -1)]  # equal relevance: newest first


@pytest.mark.parametrize("cursor", ["nope", "bzEwMDAwMDAw", "===", "b-1", "x" * 300])
def test_a_cursor_we_could_not_have_made_is_a_400(client_of, said, cursor):
    status, page = search(client_of, "refund", cursor=cursor)
    assert status == 400
    assert "cannot be found" in page


# --- Filters and bad input -------------------------------------------------------------------


def test_the_lists_filters_narrow_a_search(client_of, acme_kept):
    keep(
        acme_kept,
        a_call("in-sales", local(acme_kept, -1, 9), words="refund"),
        a_call("in-support", local(acme_kept, -1, 10), words="refund", line=SUPPORT),
        a_call("out", local(acme_kept, -2, 9), words="refund", direction="outbound"),
        a_call("sam", local(acme_kept, -2, 10), words="refund", employees=(SAM,)),
        a_call("old", local(acme_kept, -40, 9), words="refund"),
    )
    assert len(found_ids(search(client_of, "refund")[1])) == 5  # default: every kept day
    assert "old" not in found_ids(search(client_of, "refund", period="30d")[1])
    assert found_ids(search(client_of, "refund", line="+1 415-555-5678")[1]) == ["in-support"]
    assert found_ids(search(client_of, "refund", direction="outbound")[1]) == ["out"]
    assert found_ids(search(client_of, "refund", employee=SAM.id)[1]) == ["sam"]
    day = local(acme_kept, -40, 9).date().isoformat()
    assert found_ids(search(client_of, "refund", **{"from": day, "to": day})[1]) == ["old"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"period": "fortnight"}, "is not a period we know"),
        ({"period": "7d", "from": "2026-01-01"}, "not both"),
        ({"from": "2020-01-01"}, "goes back to"),
        ({"from": "not-a-date"}, ""),
        ({"direction": "sideways"}, "sideways"),
        ({"line": "not a number"}, "We can't read"),
        ({"employee": "<x>"}, "letters, digits"),
    ],
)
def test_a_bad_filter_is_a_400_that_says_why(client_of, said, params, message):
    status, page = search(client_of, "refund", **params)
    assert status == 400
    assert message in html_lib.unescape(page)
    assert found_ids(page) == []


def test_an_empty_search_shows_the_form_and_how_to_search(client_of, said):
    for params in ({}, {"q": ""}, {"q": "   "}):
        response = client_of.get(URL, params)
        page = response.content.decode()
        assert response.status_code == 200
        assert 'name="q"' in page
        assert "Find calls by what was said" in page
        assert '"late fee"' in html_lib.unescape(page)  # the syntax, shown
        assert found_ids(page) == []


def test_a_search_over_200_characters_is_a_400(client_of, said):
    status, page = search(client_of, "refund " * 40)
    assert status == 400
    assert "at most 200 characters" in page
    assert search(client_of, "r" * 200)[0] == 200


# --- Who may search what ------------------------------------------------------------------------


def test_a_member_without_access_to_content_gets_a_403_that_says_why(client_of, alice, said):
    Membership.objects.filter(user=alice).update(can_access_content=False)
    status, page = search(client_of, "refund")
    assert status == 403
    assert "No access to recordings and transcripts" in page
    assert 'href="/calls/search/"' not in client_of.get("/calls/?period=7d").content.decode()


def test_the_navigation_offers_search_to_members_who_may_use_it(client_of, said):
    page = client_of.get("/calls/?period=7d").content.decode()
    assert 'href="/calls/search/"' in page


def test_a_line_limited_member_finds_only_calls_on_their_lines(client_of, alice, acme_kept):
    keep(
        acme_kept,
        a_call("sales", local(acme_kept, -1, 9), words="refund"),
        a_call("support", local(acme_kept, -1, 10), words="refund", line=SUPPORT),
    )
    Membership.objects.filter(user=alice).update(lines=["+14155551234"])
    status, page = search(client_of, "refund")
    assert found_ids(page) == ["sales"]
    assert "on your lines" in page
    status, page = search(client_of, "refund", line="+14155555678")
    assert status == 400
    assert "not one of yours" in page


def test_no_company_ever_finds_anothers_calls(client, django_user_model, alice, said):
    globex = keeping(make_company("Globex", GLOBEX_KEY, region="GB", tz="Europe/London"))
    keep(globex, a_call("globex-refund", local(globex, -1, 9), words="refund refund"))
    charlie = make_manager(django_user_model, "charlie", globex)
    client.force_login(charlie)
    assert found_ids(search(client, "refund")[1]) == ["globex-refund"]
    client.force_login(alice)
    assert found_ids(search(client, "refund")[1]) == ["refund"]


@pytest.mark.parametrize("level", [Company.OFF, Company.METADATA])
def test_without_summaries_or_transcripts_a_page_says_what_search_needs(
    client_of, alice, acme_kept, level
):
    Membership.objects.filter(user=alice).update(role=Membership.ADMIN)
    acme_kept.history = level
    acme_kept.save()
    status, page = search(client_of, "refund")
    assert status == 200
    assert "Search needs summaries or transcripts" in page
    assert 'href="/team/history/"' in page  # for an admin
    assert 'href="/calls/search/"' not in page.split("<main")[0]  # not in the navigation


def test_a_manager_who_is_no_admin_is_told_to_ask_one(client, bob, acme_kept):
    acme_kept.history = Company.METADATA
    acme_kept.save()
    Membership.objects.filter(user=bob).update(role=Membership.MANAGER)
    client.force_login(bob)
    status, page = search(client, "refund")
    assert status == 200
    assert "An admin of your company" in page
    assert 'href="/team/history/"' not in page


# --- The index follows the history --------------------------------------------------------------


def test_lowering_the_level_takes_words_out_of_the_search_at_once(client_of, acme_kept):
    keep(
        acme_kept,
        _with_summary(a_call("c", local(acme_kept, -1, 9), words="transcript words"), "summary"),
    )
    assert found_ids(search(client_of, "transcript")[1]) == ["c"]
    before = acme_kept.history
    acme_kept.history = Company.SUMMARIES
    acme_kept.save()
    levels.apply_level(acme_kept, before)
    acme_kept.refresh_from_db()
    assert found_ids(search(client_of, "transcript")[1]) == []
    assert found_ids(search(client_of, "summary")[1]) == ["c"]


def test_a_forgotten_number_is_gone_from_the_search_at_once(client_of, acme_kept):
    keep(
        acme_kept,
        a_call("theirs", local(acme_kept, -1, 9), words="refund", remote="+14085550199"),
        a_call("others", local(acme_kept, -1, 10), words="refund"),
    )
    assert sorted(found_ids(search(client_of, "refund")[1])) == ["others", "theirs"]
    retention.forget_number(acme_kept, "+14085550199")
    acme_kept.refresh_from_db()
    assert found_ids(search(client_of, "refund")[1]) == ["others"]


def test_a_changed_call_is_found_by_its_new_words_only(client_of, acme_kept):
    keep(acme_kept, a_call("c", local(acme_kept, -1, 9), words="first words"))
    keep(acme_kept, a_call("c", local(acme_kept, -1, 9), words="second words"))
    assert found_ids(search(client_of, "first")[1]) == []
    assert found_ids(search(client_of, "second")[1]) == ["c"]


def test_purged_calls_leave_the_search(client_of, acme_kept):
    keep(acme_kept, a_call("old", local(acme_kept, -100, 9), words="refund"))
    acme_kept.history_days = 30
    acme_kept.save()
    retention.purge(acme_kept)
    acme_kept.refresh_from_db()
    assert found_ids(search(client_of, "refund")[1]) == []


# --- htmx, rate limits, logs ----------------------------------------------------------------------


def test_htmx_gets_the_results_alone_and_the_address_to_push(client_of, said):
    response = client_of.get(
        URL, {"q": "refund", "period": "7d"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<section id="results"')
    assert "<html" not in page
    assert response["HX-Push-Url"] == "/calls/search/?q=refund&period=7d"


def test_searches_count_against_the_members_searches_per_minute(client_of, said, settings):
    settings.PHONEDASH_SEARCHES_PER_MINUTE = 2
    assert search(client_of, "refund")[0] == 200
    assert search(client_of, "fee")[0] == 200
    assert search(client_of, "refund")[0] == 200  # kept already: costs nothing
    response = client_of.get(URL, {"q": "invoice"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert "searching faster than phonedash allows (2 a minute)" in response.content.decode()


def test_a_search_is_logged_without_its_words(client_of, said, caplog):
    with caplog.at_level(logging.INFO):
        search(client_of, '"late fee" -invoice zoë 1042')
    lines = [record.getMessage() for record in caplog.records]
    assert any(line.startswith("search: company") for line in lines)
    text = "\n".join(lines)
    for word in ("late", "fee", "invoice", "zo", "1042"):
        assert word not in text.lower()
