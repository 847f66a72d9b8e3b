"""The call history: each company's own copy of its calls, and where its sync stands.

A company that opts in (`Company.history`, calls.models.companies) keeps one `StoredCall` per
Phone.inc call, written by the `synccalls` workers (calls.history) and read by the pages
(calls.sources.history). Every field Phone.inc documents is kept typed, but the recording link
(minted per request) and whatever the company's level does not keep: its summary below
`summaries`, its transcript below `transcripts`. `SyncState` is each company's place in the
sync (its lease, when it is due, what it last saw); `Gap` a stretch in which Phone.inc had
more calls than a pass could read; `HookNudge` each nudge the company's webhook accepted.
"""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.utils import timezone

from calls.models.companies import Company
from calls.numbers import as_e164
from calls.phoneinc import Call, Employee, TranscriptSegment
from calls.words.folding import document

# A text field longer than this is cut when stored: Phone.inc's numbers, names and states are
# short, and what a page shows of an odd value is its start (summaries and transcripts, which
# can be long, are kept whole).
SHORT_TEXT = 200


def _short(value: str | None) -> str:
    return (value or "")[:SHORT_TEXT]


class StoredCall(models.Model):
    """One Phone.inc call as the company's history keeps it."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    call_id = models.CharField(max_length=64)
    direction = models.CharField(max_length=SHORT_TEXT)
    state = models.CharField(max_length=SHORT_TEXT, help_text="As Phone.inc sent it.")
    from_number = models.CharField(max_length=SHORT_TEXT, blank=True)
    to_number = models.CharField(max_length=SHORT_TEXT, blank=True)
    # The other party in E.164 ("" when withheld or unreadable): the number pages filter by.
    remote = models.CharField(max_length=16, blank=True)
    started_at = models.DateTimeField(null=True)
    answered_at = models.DateTimeField(null=True)
    duration = models.IntegerField(null=True)
    line_id = models.CharField(max_length=SHORT_TEXT, blank=True)
    line_name = models.CharField(max_length=SHORT_TEXT, blank=True)
    # The main number in E.164 when it reads as one, else as Phone.inc sent it.
    line_number = models.CharField(max_length=SHORT_TEXT, blank=True)
    line_formatted = models.CharField(max_length=SHORT_TEXT, blank=True)
    employees = models.JSONField(default=list, help_text="[[id, name], …]")
    placed_by_id = models.CharField(max_length=SHORT_TEXT, blank=True)
    placed_by_name = models.CharField(max_length=SHORT_TEXT, blank=True)
    # " id id … ": everyone of the company on the call, for the employee filter.
    people = models.TextField(blank=True)
    has_recording = models.BooleanField(default=False)
    summary = models.TextField(null=True)
    transcription = models.TextField(null=True)
    segments = models.JSONField(null=True, help_text="[[speaker, text, employee id], …]")
    # Words spoken, in all and by each employee ({"": all, employee id: theirs}): transcripts
    # only, counted once when stored, so that figures never read a transcript again.
    words = models.JSONField(null=True)
    # What the call search matches (calls.search): the summary's and the transcript's words,
    # folded (calls.words.folding), None where the level keeps neither. Each engine indexes
    # these two columns itself (migration 0007): PostgreSQL a generated tsvector column with a
    # GIN index, SQLite an FTS5 table kept by triggers; so a call is findable as it is stored,
    # and gone from the search the moment it is deleted or its content blanked.
    search_summary = models.TextField(null=True)
    search_transcript = models.TextField(null=True)
    # A missed call's return: when the first later answered call with its number started.
    returned_at = models.DateTimeField(null=True)
    first_seen_at = models.DateTimeField(default=timezone.now)
    fetched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "call_id"], name="stored_call_per_company")
        ]
        indexes = [
            models.Index(fields=["company", "started_at"], name="stored_by_start"),
            models.Index(fields=["company", "remote", "started_at"], name="stored_by_number"),
            models.Index(fields=["company", "line_number", "started_at"], name="stored_by_line"),
        ]

    def __str__(self) -> str:
        return f"{self.call_id} of company {self.company_id}"

    @classmethod
    def fields_of(cls, call: Call, region: str, level: str) -> dict[str, object]:
        """What is stored of `call` at `level` (Company.HISTORY_LEVELS), numbers read in the
        company's region."""
        people = [*call.employees, *([call.initiated_by] if call.initiated_by else [])]
        remote = "" if call.is_withheld else (as_e164(call.remote_number, region) or "")
        keeps_summary = level in (Company.SUMMARIES, Company.TRANSCRIPTS)
        keeps_transcript = level == Company.TRANSCRIPTS
        return {
            "direction": _short(call.direction),
            "state": _short(call.state),
            "from_number": _short(as_e164(call.from_number, region) or call.from_number),
            "to_number": _short(as_e164(call.to_number, region) or call.to_number),
            "remote": remote,
            "started_at": call.started_at,
            "answered_at": call.answered_at,
            "duration": call.duration,
            "line_id": _short(call.main_number_id),
            "line_name": _short(call.main_number_name),
            "line_number": _short(as_e164(call.main_number, region) or call.main_number),
            "line_formatted": _short(call.main_number_formatted),
            "employees": [[_short(e.id), _short(e.name)] for e in call.employees],
            "placed_by_id": _short(call.initiated_by.id if call.initiated_by else ""),
            "placed_by_name": _short(call.initiated_by.name if call.initiated_by else ""),
            "people": "".join(f" {person.id}" for person in people if person.id) + " ",
            "has_recording": call.has_recording,
            "summary": call.summary if keeps_summary else None,
            "transcription": call.transcription if keeps_transcript else None,
            "segments": [[s.speaker, s.text, s.employee_id] for s in call.segments]
            if keeps_transcript and call.segments is not None
            else None,
            "words": words_of(call) if keeps_transcript else None,
            "search_summary": document(call.summary) if keeps_summary else None,
            "search_transcript": search_transcript(call) if keeps_transcript else None,
        }

    def as_call(self, *, content: bool = True, transcript: bool | None = None) -> Call:
        """The stored call as the record pages show; `content=False` leaves out its summary
        and transcript (a member who may not read them), `transcript=False` the transcript
        alone (an export, which never reads it)."""
        transcript = content if transcript is None else transcript and content
        segments = None
        if transcript and self.segments is not None:
            segments = tuple(TranscriptSegment(s, t, e) for s, t, e in self.segments)
        placed = None
        if self.placed_by_id or self.placed_by_name:
            placed = Employee(self.placed_by_id, self.placed_by_name)
        return Call(
            id=self.call_id,
            from_number=self.from_number,
            to_number=self.to_number,
            direction=self.direction,
            state=self.state,
            started_at=self.started_at,
            answered_at=self.answered_at,
            duration=self.duration,
            summary=self.summary if content else None,
            transcription=self.transcription if transcript else None,
            segments=segments,
            main_number_id=self.line_id or None,
            main_number_name=self.line_name or None,
            main_number=self.line_number or None,
            main_number_formatted=self.line_formatted or None,
            employees=tuple(Employee(id_, name) for id_, name in self.employees),
            initiated_by=placed,
            has_recording=self.has_recording,
        )


def search_transcript(call: Call) -> str | None:
    """What the search indexes of the call's transcript: what each turn says (never who
    says it), or the whole text when Phone.inc gives no turns."""
    if call.segments:
        return document(*(segment.text for segment in call.segments))
    return document(call.transcription)


def words_of(call: Call) -> dict[str, int] | None:
    """The words spoken in the call's transcript, in all ("") and by each employee's id."""
    if not call.segments:
        return None
    counted: dict[str, int] = {"": 0}
    for segment in call.segments:
        words = len(segment.text.split())
        counted[""] += words
        if segment.employee_id:
            counted[segment.employee_id] = counted.get(segment.employee_id, 0) + words
    return counted


class LineDay(models.Model):
    """What a company's calls on one line (its number, "" for none) came to on one of its days
    (calls.sources.tallies.LineTally, as JSON): kept up to date by the sync, read by insights so
    that a period of months is a few hundred rows, never its calls."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    line = models.CharField(max_length=SHORT_TEXT, blank=True)
    tally = models.JSONField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["company", "day", "line"], name="line_day")]


class EmployeeDay(models.Model):
    """One employee's part in a company's calls on one line on one of its days
    (calls.sources.tallies.PersonTally): whole numbers, so that the database sums a period's
    rows per employee and a page reads one row per employee."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    line = models.CharField(max_length=SHORT_TEXT, blank=True)
    employee = models.CharField(max_length=SHORT_TEXT)
    name = models.CharField(max_length=SHORT_TEXT, blank=True)
    calls = models.PositiveIntegerField(default=0)
    inbound = models.PositiveIntegerField(default=0)
    outbound = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0)
    timed = models.PositiveIntegerField(default=0)
    talk_total = models.PositiveBigIntegerField(default=0)
    spoken = models.PositiveBigIntegerField(default=0)
    heard = models.PositiveBigIntegerField(default=0)

    COUNTS = ("calls", "inbound", "outbound", "answered", "timed", "talk_total", "spoken", "heard")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "day", "line", "employee"], name="employee_day"
            )
        ]


class SyncState(models.Model):
    """Where a company's sync stands: who holds it, when it is due, what its last pass saw."""

    company = models.OneToOneField(
        Company, on_delete=models.CASCADE, primary_key=True, related_name="sync"
    )
    holder = models.CharField(max_length=100, blank=True, help_text="The worker syncing it now.")
    lease_until = models.DateTimeField(null=True)
    due_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_pass_at = models.DateTimeField(null=True)
    last_error = models.CharField(max_length=300, blank=True)
    failures = models.PositiveIntegerField(default=0, help_text="Failed passes in a row.")
    # The stored key Phone.inc last refused (a digest), so that a new key is tried at once.
    refused_key = models.CharField(max_length=64, blank=True)
    newest_start = models.DateTimeField(null=True, help_text="The newest start stored.")
    unknown_since = models.DateTimeField(
        null=True, help_text="Calls started from then on may have been missed while in progress."
    )
    answer_digest = models.CharField(max_length=64, blank=True)
    pending = models.JSONField(default=list, help_text="Calls to fetch again by id.")
    nudges = models.PositiveIntegerField(default=0, help_text="Nudged calls waiting.")
    purged_at = models.DateTimeField(null=True)
    enabled_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"sync of company {self.company_id}"


class Gap(models.Model):
    """Between `start` and `end` Phone.inc had more calls than a pass could read: ended calls
    in between may be missing from the history."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField()
    end = models.DateTimeField()
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["company", "end"], name="gap_by_end")]

    def __str__(self) -> str:
        return f"gap {self.start:%Y-%m-%d %H:%M}–{self.end:%H:%M} of company {self.company_id}"

    def overlaps(self, since: datetime | None, until: datetime | None) -> bool:
        return (since is None or self.end >= since) and (until is None or self.start < until)


class HookNudge(models.Model):
    """A nudge the company's webhook accepted: counted for its rate limit, then forgotten."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    call_id = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)
    fetched = models.BooleanField(default=False, help_text="Fetched within the request.")

    class Meta:
        indexes = [models.Index(fields=["company", "at"], name="nudge_by_time")]
