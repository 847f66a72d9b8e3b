"""The history's operator commands: purgehistory, forgetnumber, exporthistory, and createcompany's
--history and --history-days. Each exits non-zero with a one-line reason on bad input."""

from __future__ import annotations

import csv
import io
import logging
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from calls.history import retention
from calls.insights.csv_file import COLUMNS
from calls.models import AuditEvent, Company, Note, StoredCall, SyncState
from calls.phoneinc import Call, Employee, TranscriptSegment
from tests.deployed_settings import run_manage
from tests.history.conftest import keeping

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2025, 6, 15, 16, 0, tzinfo=UTC)  # noon in New York
CALLER = "+14085550199"
OTHER_CALLER = "+14155550123"
LINE = "+14155551000"
KEY = "pk_live_history_commands_0123456789"


@pytest.fixture(autouse=True)
def frozen_now(monkeypatch):
    """The purge reads today from the clock: one fixed moment, far from any midnight."""
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def stored(
    company: Company,
    call_id: str,
    started_at: datetime | None,
    *,
    remote: str = CALLER,
    direction: str = "inbound",
    **fields,
) -> StoredCall:
    """A call as the company's history keeps it at its level."""
    inbound = direction == "inbound"
    call = Call(
        id=call_id,
        from_number=remote if inbound else LINE,
        to_number=LINE if inbound else remote,
        direction=direction,
        state="ended",
        started_at=started_at,
        answered_at=started_at,
        duration=42,
        main_number=LINE,
        main_number_name="Sales",
        employees=(Employee("e1", "Dana"),),
        **fields,
    )
    return StoredCall.objects.create(
        company=company,
        call_id=call_id,
        **StoredCall.fields_of(call, company.region, company.history),
    )


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def ids(company: Company) -> set[str]:
    return set(StoredCall.objects.filter(company=company).values_list("call_id", flat=True))


# purgehistory


def test_it_purges_the_calls_before_the_oldest_kept_day_in_the_company_zone(acme, globex):
    keeping(acme, days=90)
    keeping(globex, Company.METADATA, days=30)
    assert retention.oldest_kept_day(acme) == date(2025, 3, 18)
    stored(acme, "gone", datetime(2025, 3, 17, 23, 59, tzinfo=NEW_YORK))
    stored(acme, "kept", datetime(2025, 3, 18, 0, 0, tzinfo=NEW_YORK))
    stored(acme, "today", datetime(2025, 6, 15, 8, 0, tzinfo=NEW_YORK))
    stored(globex, "globex-old", datetime(2025, 1, 1, 12, 0, tzinfo=UTC), remote="+442079460958")

    output = run("purgehistory", "--company", "acme corp")

    assert ids(acme) == {"kept", "today"}
    assert ids(globex) == {"globex-old"}  # another company's old call is not this purge's
    assert output.splitlines() == [
        "Acme Corp: 1 call older than 90 days removed",
        "Total: 1 call removed",
    ]


def test_it_purges_every_company_with_history_and_prints_a_total(acme, globex):
    keeping(acme, days=1)
    keeping(globex, Company.METADATA, days=30)
    for number in range(3):
        stored(acme, f"old-{number}", datetime(2025, 6, 14, 23, 59, tzinfo=NEW_YORK))
    stored(acme, "today", datetime(2025, 6, 15, 0, 0, tzinfo=NEW_YORK))
    stored(globex, "globex-old", datetime(2025, 1, 1, 12, 0, tzinfo=UTC), remote="+442079460958")

    output = run("purgehistory")

    assert ids(acme) == {"today"}
    assert ids(globex) == set()
    assert output.splitlines() == [
        "Acme Corp: 3 calls older than 1 day removed",
        "Globex: 1 call older than 30 days removed",
        "Total: 4 calls removed",
    ]


def test_it_says_when_no_company_keeps_a_history(acme):
    assert run("purgehistory") == "No company keeps a call history.\n"


def test_it_refuses_to_purge_a_company_whose_history_is_off(acme):
    with pytest.raises(CommandError, match="'Acme Corp' keeps no call history"):
        run("purgehistory", "--company", "Acme Corp")


# forgetnumber


def test_it_forgets_a_number_typed_as_the_region_reads_it(acme, globex, caplog):
    caplog.set_level(logging.DEBUG)
    keeping(acme)
    keeping(globex)
    started = datetime(2025, 6, 1, 10, 0, tzinfo=NEW_YORK)
    stored(acme, "from-them", started)
    stored(acme, "to-them", started, direction="outbound")
    stored(acme, "someone-else", started, remote=OTHER_CALLER)
    stored(globex, "globex-them", started)  # the same caller at another company stays
    for company, call_id in [(acme, "from-them"), (acme, "someone-else"), (globex, "globex-them")]:
        Note.objects.create(company=company, call_id=call_id, author_name="alice", text="Call back")
    version = Company.objects.get(pk=acme.pk).notes_version

    output = run("forgetnumber", "(408) 555-0199", "--company", "Acme Corp")

    assert ids(acme) == {"someone-else"}
    assert ids(globex) == {"globex-them"}
    assert set(Note.objects.values_list("call_id", flat=True)) == {"someone-else", "globex-them"}
    assert Company.objects.get(pk=acme.pk).notes_version > version
    assert output == "Acme Corp: deleted 2 stored calls with that number and the notes on them.\n"
    event = AuditEvent.objects.get(action=AuditEvent.NUMBER_FORGOTTEN)
    assert event.company == acme
    assert "2 stored calls" in event.detail
    for shown in (event.detail, output, caplog.text):
        assert "0199" not in shown


def test_it_refuses_an_unreadable_number_and_deletes_nothing(acme):
    keeping(acme)
    stored(acme, "from-them", datetime(2025, 6, 1, 10, 0, tzinfo=NEW_YORK))
    Note.objects.create(company=acme, call_id="from-them", author_name="alice", text="Call back")

    with pytest.raises(CommandError, match="not a phone number that region US reads") as refused:
        run("forgetnumber", "555-019", "--company", "Acme Corp")

    assert "555" not in str(refused.value)
    assert "\n" not in str(refused.value)
    assert ids(acme) == {"from-them"}
    assert Note.objects.count() == 1
    assert not AuditEvent.objects.exists()


# exporthistory


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_it_exports_the_export_columns_newest_first(acme):
    keeping(acme, Company.SUMMARIES)
    stored(acme, "older", datetime(2025, 6, 1, 9, 0, tzinfo=NEW_YORK), summary="Asked for a quote")
    stored(acme, "newer", datetime(2025, 6, 2, 9, 0, tzinfo=NEW_YORK))
    stored(acme, "no-start", None)
    stored(acme, "newest", datetime(2025, 6, 3, 9, 0, tzinfo=NEW_YORK), summary="=HYPERLINK(1)")

    table = rows(run("exporthistory", "--company", "Acme Corp"))

    assert tuple(table[0]) == COLUMNS
    assert [row[0] for row in table[1:]] == ["newest", "newer", "older", "no-start"]
    older = dict(zip(COLUMNS, table[3], strict=True))
    assert older["started_at"] == "2025-06-01T09:00:00-04:00"
    assert older["from"] == CALLER
    assert older["summary"] == "Asked for a quote"
    assert table[1][COLUMNS.index("summary")] == "'=HYPERLINK(1)"  # made inert


def test_it_leaves_the_summary_out_when_the_level_keeps_none(acme):
    keeping(acme, Company.METADATA)
    stored(acme, "call", datetime(2025, 6, 1, 9, 0, tzinfo=NEW_YORK), summary="Asked for a quote")

    table = rows(run("exporthistory", "--company", "Acme Corp"))

    assert table[1][COLUMNS.index("summary")] == ""


def test_it_bounds_the_days_inclusively_in_the_company_zone(acme):
    keeping(acme)
    stored(acme, "before", datetime(2025, 5, 31, 23, 59, tzinfo=NEW_YORK))
    stored(acme, "first", datetime(2025, 6, 1, 0, 0, tzinfo=NEW_YORK))
    stored(acme, "last", datetime(2025, 6, 2, 23, 59, 59, tzinfo=NEW_YORK))
    stored(acme, "after", datetime(2025, 6, 3, 0, 0, tzinfo=NEW_YORK))
    stored(acme, "no-start", None)

    output = run(
        "exporthistory", "--company", "Acme Corp", "--from", "2025-06-01", "--to", "2025-06-02"
    )
    only_from = run("exporthistory", "--company", "Acme Corp", "--from", "2025-06-02")
    only_to = run("exporthistory", "--company", "Acme Corp", "--to", "2025-05-31")

    assert [row[0] for row in rows(output)[1:]] == ["last", "first"]
    assert [row[0] for row in rows(only_from)[1:]] == ["after", "last"]
    assert [row[0] for row in rows(only_to)[1:]] == ["before"]


def test_it_appends_transcriptions_when_asked(acme):
    keeping(acme, Company.TRANSCRIPTS)
    started = datetime(2025, 6, 1, 9, 0, tzinfo=NEW_YORK)
    stored(acme, "text", started, transcription="Hello, is this Acme?")
    segments = (
        TranscriptSegment("Dana", "Acme, Dana speaking.", "e1"),
        TranscriptSegment("Caller", "Hi, =1+1"),
    )
    stored(acme, "segments", started.replace(hour=10), segments=segments)
    stored(acme, "formula", started.replace(hour=12), transcription="=HYPERLINK(1)")
    stored(acme, "silent", started.replace(hour=11))

    table = rows(run("exporthistory", "--company", "Acme Corp", "--with-transcripts"))

    assert table[0] == [*COLUMNS, "transcription"]
    assert {row[0]: row[-1] for row in table[1:]} == {
        "silent": "",
        "segments": "Dana: Acme, Dana speaking.\nCaller: Hi, =1+1",
        "formula": "'=HYPERLINK(1)",
        "text": "Hello, is this Acme?",
    }


def test_it_writes_the_archive_to_a_file(acme, tmp_path):
    keeping(acme)
    stored(acme, "one", datetime(2025, 6, 1, 9, 0, tzinfo=NEW_YORK))
    stored(acme, "two", datetime(2025, 6, 2, 9, 0, tzinfo=NEW_YORK))
    archive = tmp_path / "acme.csv"

    output = run("exporthistory", "--company", "Acme Corp", "--output", str(archive))

    assert output == f"Wrote 2 calls to {archive}.\n"
    with archive.open(newline="", encoding="utf-8") as file:
        assert file.read() == run("exporthistory", "--company", "Acme Corp")
    assert [path.name for path in tmp_path.iterdir()] == ["acme.csv"]


def test_it_says_why_it_cannot_write_the_file(acme, tmp_path):
    keeping(acme)
    with pytest.raises(CommandError, match="Cannot write"):
        run("exporthistory", "--company", "Acme Corp", "--output", str(tmp_path / "no" / "a.csv"))


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--from", "2025-13-01"], "--from '2025-13-01' is not a day: write it as YYYY-MM-DD"),
        (["--to", "2025-02-30"], "--to '2025-02-30' is not a day"),
        (["--from", "June 1"], "--from 'June 1' is not a day"),
        (["--from", "20250601"], "--from '20250601' is not a day"),
        (["--from", "0001-01-01"], "--from '0001-01-01' is not a day between"),
        (["--from", "2025-06-02", "--to", "2025-06-01"], "--to 2025-06-01 is before --from"),
    ],
)
def test_it_refuses_bad_days_with_a_reason(acme, args, reason):
    keeping(acme)
    with pytest.raises(CommandError, match=reason) as refused:
        run("exporthistory", "--company", "Acme Corp", *args)
    assert "\n" not in str(refused.value)


def test_it_refuses_to_export_a_company_whose_history_is_off(acme):
    with pytest.raises(CommandError, match="'Acme Corp' keeps no call history"):
        run("exporthistory", "--company", "Acme Corp")


def test_it_exports_to_standard_output_from_the_command_line(tmp_path):
    database = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    assert run_manage("migrate", "--noinput", **database).returncode == 0
    created = run_manage(
        "createcompany",
        "Acme Corp",
        "--history",
        "transcripts",
        **database,
        PHONE_INC_API_KEY=KEY,
    )
    assert created.returncode == 0, created.stderr
    seeded = run_manage("shell", "-c", SEED, **database)
    assert seeded.returncode == 0, seeded.stderr

    exported = run_manage(
        "exporthistory", "--company", "Acme Corp", "--from", "2025-06-01", **database
    )

    assert exported.returncode == 0, exported.stderr
    assert exported.stderr == ""
    table = rows(exported.stdout)
    assert tuple(table[0]) == COLUMNS
    assert [row[0] for row in table[1:]] == ["newer", "older"]
    refused = run_manage("exporthistory", "--company", "Nope", **database)
    assert refused.returncode != 0
    assert refused.stdout == ""
    assert "No company named 'Nope'." in refused.stderr


SEED = """
from datetime import UTC, datetime
from calls.history.store import store
from calls.models import Company
from calls.phoneinc import Call
acme = Company.objects.get(name="Acme Corp")
calls = [
    Call(id=id_, from_number="+14085550199", to_number="+14155551000", direction="inbound",
         state="ended", started_at=datetime(2025, month, day, 15, tzinfo=UTC))
    for id_, month, day in [("before", 5, 31), ("older", 6, 1), ("newer", 6, 2)]
]
store(acme, calls, datetime.now(UTC))
"""


# createcompany --history, --history-days


def create_company(monkeypatch, *args) -> str:
    monkeypatch.setenv("PHONE_INC_API_KEY", KEY)
    return run("createcompany", "Initech", *args)


def test_it_creates_a_company_that_keeps_a_history(db, monkeypatch):
    output = create_company(monkeypatch, "--history", "summaries", "--history-days", "365")

    company = Company.objects.get(name="Initech")
    assert (company.history, company.history_days) == ("summaries", 365)
    assert SyncState.objects.filter(company=company).exists()  # its place in the sync
    assert "call history: summaries, 365 days" in output


def test_it_creates_a_company_without_a_history_by_default(db, monkeypatch):
    create_company(monkeypatch)

    company = Company.objects.get(name="Initech")
    assert (company.history, company.history_days) == ("off", 90)
    assert not SyncState.objects.filter(company=company).exists()


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--history-days", "0"], "--history-days must be between 1 and 3650."),
        (["--history-days", "3651"], "--history-days must be between 1 and 3650."),
        (["--history-days", "many"], "invalid int value: 'many'"),
        (["--history", "everything"], "invalid choice: 'everything'"),
    ],
)
def test_it_refuses_a_bad_history_with_a_reason(db, monkeypatch, args, reason):
    with pytest.raises(CommandError, match=reason):
        create_company(monkeypatch, *args)
    assert not Company.objects.exists()


# every command


@pytest.mark.parametrize(
    "args",
    [
        ["purgehistory", "--company", "Nope"],
        ["forgetnumber", CALLER, "--company", "Nope"],
        ["exporthistory", "--company", "Nope"],
    ],
)
def test_it_names_an_unknown_company(acme, args):
    keeping(acme)
    with pytest.raises(CommandError, match=r"^No company named 'Nope'\.$"):
        run(*args)
