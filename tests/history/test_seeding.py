"""seedhistory and calls.history.seeding: synthetic history for trials and benchmarks."""

from __future__ import annotations

import io
import itertools
import re
from collections import Counter
from datetime import datetime, timedelta

import phonenumbers
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from calls.history import seeding
from calls.history.retention import kept_since
from calls.management.commands.seedhistory import took
from calls.models import Company, StoredCall
from calls.phoneinc import Call, Employee, is_valid_call_id
from tests.conftest import ACME_KEY, GLOBEX_KEY, make_company
from tests.history.conftest import keeping


@pytest.fixture
def acme(db):
    """Acme keeping transcripts for a year, in New York."""
    return keeping(make_company("Acme Corp", ACME_KEY), Company.TRANSCRIPTS, days=365)


@pytest.fixture
def globex(db):
    """Globex keeping calls only, in London."""
    company = make_company("Globex", GLOBEX_KEY, region="GB", tz="Europe/London")
    return keeping(company, Company.METADATA)


def seed(*args: str, stderr: io.StringIO | None = None) -> str:
    out = io.StringIO()
    call_command("seedhistory", *args, stdout=out, stderr=stderr or io.StringIO())
    return out.getvalue()


def rows(company: Company) -> list[StoredCall]:
    return list(StoredCall.objects.filter(company=company))


def test_it_seeds_the_calls_over_the_last_days_in_the_company_zone(acme):
    keeping(acme, Company.TRANSCRIPTS, days=30)  # the days asked for are all the days kept
    output = seed("--company", "acme corp", "--calls", "3000", "--days", "30")
    assert re.fullmatch(r"Seeded 3,000 calls over 30 days for Acme Corp in [\d.]+ s\.\n", output)
    calls = rows(acme)
    assert len(calls) == 3000
    now = timezone.now()
    first_day = timezone.localdate(now, acme.zone) - timedelta(days=29)
    since = datetime(first_day.year, first_day.month, first_day.day, tzinfo=acme.zone)
    starts = [call.started_at for call in calls]
    assert since == kept_since(acme, now)
    assert since <= min(starts) and max(starts) <= now
    assert min(starts) < since + timedelta(days=3)  # spread over them, not bunched up
    ended = [call for call in calls if call.state == "ended"]
    assert all(call.started_at + timedelta(seconds=call.duration) <= now for call in ended)
    assert {call.first_seen_at for call in calls} == {calls[0].fetched_at}


def test_it_makes_a_plausible_mix(acme):
    seed("--company", "Acme Corp", "--calls", "4000", "--days", "60")
    calls = [row.as_call() for row in rows(acme)]
    share = Counter()
    for call in calls:
        share[call.direction] += 1 / len(calls)
        share["missed"] += call.is_missed / len(calls)
        share["withheld"] += (call.direction == "inbound" and call.is_withheld) / len(calls)
        abroad = not call.is_withheld and not call.remote_number.startswith("+1")
        share["abroad"] += abroad / len(calls)
    assert 0.72 < share["inbound"] < 0.88
    assert 0.12 < share["outbound"] < 0.28
    assert 0.10 < share["missed"] < 0.20
    assert 0.01 < share["withheld"] < 0.06
    assert 0.005 < share["abroad"] < 0.05
    assert len({call.main_number for call in calls}) == 3
    assert {call.main_number_name for call in calls} == {"Sales", "Support", "Front desk"}
    assert len({e.id for call in calls for e in call.employees}) == 6
    remotes = Counter(call.remote_number for call in calls if not call.is_withheld)
    assert 500 < len(remotes) < 3100  # a pool of callers…
    assert remotes.most_common(1)[0][1] > 40  # …some of whom call often

    live = [call for call in calls if call.is_live]
    assert 1 <= len(live) <= seeding.LIVE_CALLS
    assert all(call.duration is None for call in live)
    assert all(timezone.now() - call.started_at < timedelta(minutes=11) for call in live)
    answered = [call for call in calls if call.is_ended and call.answered_at is not None]
    assert all(20 <= call.duration <= 1800 and call.has_recording for call in answered)
    assert all(call.employees for call in answered)
    assert not any(call.has_recording for call in calls if call.is_missed or call.is_live)
    outbound = [call for call in calls if call.direction == "outbound"]
    assert all(call.initiated_by in call.employees for call in outbound)


def test_it_returns_some_missed_calls_within_hours(acme):
    seed("--company", "Acme Corp", "--calls", "3000", "--days", "30")
    calls = [row.as_call() for row in rows(acme)]
    outbound = {}
    for call in calls:
        if call.direction == "outbound" and call.answered_at is not None:
            outbound.setdefault(call.to_number, []).append(call.started_at)
    missed = [call for call in calls if call.is_missed and not call.is_withheld]
    returned = [
        call
        for call in missed
        if any(
            timedelta(0) < start - call.started_at <= timedelta(hours=4)
            for start in outbound.get(call.from_number, [])
        )
    ]
    assert 0.2 < len(returned) / len(missed) < 0.7


def test_it_is_busier_in_office_hours_and_on_weekdays(acme):
    seed("--company", "Acme Corp", "--calls", "3000", "--days", "28")
    local = [row.started_at.astimezone(acme.zone) for row in rows(acme)]
    office = sum(8 <= moment.hour < 18 for moment in local) / len(local)
    weekend = sum(moment.weekday() >= 5 for moment in local) / len(local)
    assert office > 0.75
    assert weekend < 0.12


def test_it_adds_transcripts_of_about_2_kb_to_that_many_calls(acme):
    output = seed(
        "--company", "Acme Corp", "--calls", "1000", "--days", "30", "--transcripts", "60"
    )
    assert "Seeded 1,000 calls over 30 days for Acme Corp (60 with transcripts) in " in output
    calls = [row.as_call() for row in rows(acme)]
    with_transcript = [call for call in calls if call.transcription is not None]
    assert len(with_transcript) == 60
    assert sum(call.segments is not None for call in calls) == 60
    for call in with_transcript:
        assert 1700 <= len(call.transcription.encode()) <= 2500
        assert call.is_ended and call.answered_at is not None and call.summary
        speakers = [segment.employee_id is None for segment in call.segments]
        assert all(a != b for a, b in itertools.pairwise(speakers))  # turns alternate
        staff = {employee.id: employee.name for employee in call.employees}
        for segment in call.segments:
            if segment.employee_id is not None:
                assert staff[segment.employee_id] == segment.speaker
            else:
                assert segment.speaker == "Caller"
        assert call.transcription == " ".join(segment.text for segment in call.segments)


def test_it_can_give_every_call_a_transcript(acme):
    seed("--company", "Acme Corp", "--calls", "40", "--days", "2", "--transcripts", "40")
    calls = [row.as_call() for row in rows(acme)]
    assert len(calls) == 40
    assert all(call.transcription and call.answered_at and call.is_ended for call in calls)


@pytest.mark.parametrize(
    ("level", "summaries"),
    [(Company.METADATA, False), (Company.SUMMARIES, True), (Company.TRANSCRIPTS, True)],
)
def test_it_writes_summaries_only_where_the_level_keeps_them(acme, level, summaries):
    keeping(acme, level, days=365)
    seed("--company", "Acme Corp", "--calls", "500", "--days", "10")
    calls = [row.as_call() for row in rows(acme)]
    assert not any(call.transcription or call.segments for call in calls)
    with_summary = [call for call in calls if call.summary]
    if not summaries:
        assert with_summary == []
        return
    talked = [call for call in calls if call.is_ended and call.answered_at is not None]
    assert with_summary == talked


def test_it_makes_the_same_calls_from_the_same_arguments(acme):
    now = timezone.now()
    first = [row for batch in seeding.batches(acme, 700, 20, 30, now=now) for row in batch]
    again = [row for batch in seeding.batches(acme, 700, 20, 30, now=now) for row in batch]

    def described(row: StoredCall) -> tuple:
        return (row.call_id, row.started_at, row.remote, row.duration, row.transcription)

    assert [described(row) for row in first] == [described(row) for row in again]
    other = [row for batch in seeding.batches(acme, 700, 21, 30, now=now) for row in batch]
    assert not {row.call_id for row in other} & {row.call_id for row in first}


def test_it_makes_the_same_ids_on_the_same_history(acme):
    seed("--company", "Acme Corp", "--calls", "300", "--days", "7")
    ids = {row.call_id for row in rows(acme)}
    StoredCall.objects.all().delete()
    seed("--company", "Acme Corp", "--calls", "300", "--days", "7")
    assert {row.call_id for row in rows(acme)} == ids


def test_it_adds_more_calls_on_a_second_run(acme):
    seed("--company", "Acme Corp", "--calls", "800", "--days", "7", "--transcripts", "5")
    first = rows(acme)
    seed("--company", "Acme Corp", "--calls", "800", "--days", "7", "--transcripts", "5")
    both = rows(acme)
    assert len(both) == 1600
    assert len({row.call_id for row in both}) == 1600
    assert {row.line_number for row in both} == {row.line_number for row in first}
    people = {person for row in both for person in row.people.split()}
    assert people == {person for row in first for person in row.people.split()}
    assert sum(row.transcription is not None for row in both) == 10


def test_it_reuses_the_company_s_own_lines_and_employees(acme):
    real = Call(
        id="0193f4ba-1234-7c00-9e3d-2b2b8a7f1c11",
        from_number="+14085550199",
        to_number="+14155551234",
        direction="inbound",
        state="ended",
        started_at=timezone.now() - timedelta(days=1),
        answered_at=timezone.now() - timedelta(days=1),
        duration=60,
        main_number_id="line-sales",
        main_number_name="Sales",
        main_number="+14155551234",
        main_number_formatted="+1 415-555-1234",
        employees=(Employee("emp-alex", "Alex Wong"),),
    )
    fields = StoredCall.fields_of(real, acme.region, acme.history)
    StoredCall.objects.create(company=acme, call_id=real.id, **fields)
    seed("--company", "Acme Corp", "--calls", "300", "--days", "7")
    synthetic = StoredCall.objects.filter(company=acme, call_id__startswith="synthetic-")
    assert synthetic.count() == 300
    assert set(synthetic.values_list("line_number", "line_id", "line_name")) == {
        ("+14155551234", "line-sales", "Sales")
    }
    people = {person for row in synthetic for person in row.people.split()}
    assert people == {"emp-alex"}


def test_it_reads_back_as_valid_calls_with_numbers_of_the_region(globex):
    seed("--company", "Globex", "--calls", "1000", "--days", "30")
    for row in rows(globex):
        call = row.as_call()
        assert isinstance(call, Call)
        assert is_valid_call_id(call.id) and call.id.startswith(seeding.SYNTHETIC_PREFIX)
        assert call.direction in ("inbound", "outbound")
        line = phonenumbers.parse(call.main_number)
        assert phonenumbers.region_code_for_number(line) == "GB"
        assert call.main_number_formatted.startswith("+44 ")
        assert call.remote_number in (call.from_number, call.to_number)
        if call.is_withheld:
            assert call.remote_number in ("anonymous", "restricted") and row.remote == ""
        else:
            assert phonenumbers.is_valid_number(phonenumbers.parse(call.remote_number))
            assert row.remote == call.remote_number
        assert call.started_at.tzinfo is not None
        assert call.summary is None and call.transcription is None
        people = {e.id for e in (*call.employees, call.initiated_by) if e is not None}
        assert set(row.people.split()) == people


def test_it_writes_in_batches_without_a_query_a_row(acme, django_assert_max_num_queries):
    # Three reads, then for each batch of 5,000: a savepoint, an INSERT per 1,000 rows, a release;
    # then the returns (the numbers, the missed calls before and after, the update) and, for
    # each of the 5 days (6 in the company's zone at most), its tallies (a read, two deletes,
    # two inserts), the days' rows gone, and the history's version.
    with django_assert_max_num_queries(3 + 2 * 3 + 5 + 5 + 2 + 2 + 4 + 1 + 6 * 5 + 2 + 1):
        seed("--company", "Acme Corp", "--calls", "12000", "--days", "5")
    assert StoredCall.objects.filter(company=acme).count() == 12000
    sizes = [len(batch) for batch in seeding.batches(acme, 12000, 5, size=5000)]
    assert sizes == [5000, 5000, 2000]


ACME = ["--company", "Acme Corp"]


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--company", "Initech", "--calls", "10", "--days", "5"], "No company named 'Initech'."),
        (
            ["--company", "Globex", "--calls", "10", "--days", "5", "--transcripts", "1"],
            "'Globex' keeps metadata, not transcripts: --transcripts must be 0.",
        ),
        ([*ACME, "--calls", "0", "--days", "5"], "--calls must be at least 1, not 0."),
        ([*ACME, "--calls", "-3", "--days", "5"], "--calls must be at least 1, not -3."),
        (
            [*ACME, "--calls", "10", "--days", "0"],
            "--days must be between 1 and the 365 days 'Acme Corp' keeps, not 0.",
        ),
        (
            [*ACME, "--calls", "10", "--days", "366"],
            "--days must be between 1 and the 365 days 'Acme Corp' keeps, not 366.",
        ),
        (
            [*ACME, "--calls", "10", "--days", "5", "--transcripts", "-1"],
            "--transcripts cannot be negative (-1).",
        ),
        (
            [*ACME, "--calls", "5", "--days", "5", "--transcripts", "6"],
            "--transcripts (6) cannot exceed --calls (5).",
        ),
    ],
)
def test_it_refuses_bad_input_and_writes_nothing(acme, globex, args, reason):
    with pytest.raises(CommandError) as refused:
        seed(*args)
    assert str(refused.value) == reason
    assert StoredCall.objects.count() == 0


def test_it_refuses_a_company_whose_history_is_off(db):
    make_company("Initech", "sim_initech_key")
    with pytest.raises(CommandError, match=r"'Initech' keeps no call history \(its history is off"):
        seed("--company", "Initech", "--calls", "10", "--days", "1")
    assert StoredCall.objects.count() == 0


def test_it_refuses_transcripts_below_the_transcripts_level(acme):
    keeping(acme, Company.SUMMARIES, days=365)
    with pytest.raises(CommandError, match="'Acme Corp' keeps summaries, not transcripts"):
        seed("--company", "Acme Corp", "--calls", "10", "--days", "5", "--transcripts", "2")
    assert StoredCall.objects.count() == 0


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_it_shows_a_progress_bar_on_a_terminal_only(acme):
    terminal = Terminal()
    seed("--company", "Acme Corp", "--calls", "200", "--days", "2", stderr=terminal)
    bar = terminal.getvalue()
    assert bar.startswith("\r[") and bar.endswith("\n") and bar.count("\n") == 1
    assert "200/200 calls 100.0%" in bar and "/s" in bar
    quiet = Terminal()
    seed("--company", "Acme Corp", "--calls", "200", "--days", "2", "--no-progress", stderr=quiet)
    assert quiet.getvalue() == ""
    log = io.StringIO()
    seed("--company", "Acme Corp", "--calls", "200", "--days", "2", stderr=log)
    assert log.getvalue() == ""


def test_it_says_how_long_it_took_as_a_person_reads_it():
    assert [took(seconds) for seconds in (2.44, 42.4, 250, 3900)] == [
        "2.4 s",
        "42 s",
        "4 min 10 s",
        "1 h 5 min",
    ]


def test_it_seeds_today_only_with_one_day(acme):
    seed("--company", "Acme Corp", "--calls", "300", "--days", "1")
    today = timezone.localdate(timezone.now(), acme.zone)
    assert {row.started_at.astimezone(acme.zone).date() for row in rows(acme)} == {today}
