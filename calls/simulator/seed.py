"""Seeded calls: two weeks of realistic, deterministic history for each company.

Everything comes from `random.Random` with fixed seeds, so the same calls (ids, numbers,
transcripts) appear on every run; only their timestamps move, relative to the simulator's
start, and always within the company's business hours. Special cases that a dashboard must
render are placed on purpose, not left to chance: every state, an undocumented state, an
unknown field, withheld caller IDs, missed calls, pending summaries, a very long transcript,
the vendor documentation's own example call, and missed callers who were and were not called
back (the callbacks board's story).
"""

from __future__ import annotations

import copy
import random
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from . import timeline
from .clock import iso
from .companies import MainNumber, Profile
from .dialogue import conversation, full_text, pick_topic
from .store import StoredCall

# The "List recent calls" example from the vendor's documentation, verbatim. Its
# recording_url is minted per request like every other (the doc's value is a placeholder).
VENDOR_EXAMPLE: dict[str, Any] = {
    "id": "0193f4ba-1234-7c00-9e3d-2b2b8a7f1c11",
    "from": "+14085550199",
    "to": "+14155551234",
    "direction": "inbound",
    "state": "ended",
    "started_at": "2026-05-11T14:02:11Z",
    "answered_at": "2026-05-11T14:02:14Z",
    "duration": 187,
    "summary": "Customer asked about the status of order #1042.",
    "transcription": "Hello, I'm calling about order 1042...",
    "transcription_segments": [
        {"speaker": "Caller", "text": "Hello, I'm calling about order 1042.", "employee_id": None},
        {
            "speaker": "Alex Wong",
            "text": "Sure, let me look that up for you.",
            "employee_id": "0193f4b0-aaaa-7c00-9e3d-2b2b8a7f1c20",
        },
    ],
    "main_number_id": "0193f4a9-7c34-7c00-9e3d-2b2b8a7f1c01",
    "main_number_name": "Sales",
    "main_number": "+14155551234",
    "main_number_formatted": "+1 415-555-1234",
    "employees": [{"id": "0193f4b0-aaaa-7c00-9e3d-2b2b8a7f1c20", "name": "Alex Wong"}],
}

ANONYMOUS = frozenset({7, 33, 61, 98, 131})
RESTRICTED = frozenset({120})
LONG_CALL = 5  # index of the ~300-segment call (busy accounts only)
EXTRA_FIELDS = 11  # index of the call carrying fields the doc does not list


def new_id(rng: random.Random) -> str:
    """A UUIDv7-shaped id: 48-bit time prefix, version 7, RFC 4122 variant."""
    stamp = 0x0193F0000000 + rng.getrandbits(28)
    tail = rng.getrandbits(62)
    variant = 0x8000 | (tail >> 48) & 0x3FFF
    return (
        f"{stamp >> 16:08x}-{stamp & 0xFFFF:04x}-7{rng.getrandbits(12):03x}-"
        f"{variant:04x}-{tail & 0xFFFFFFFFFFFF:012x}"
    )


def call_fields(
    profile: Profile,
    rng: random.Random,
    *,
    started: datetime | None,
    direction: str = "inbound",
    remote: str | None = None,
    main: MainNumber | None = None,
    employee: dict[str, str] | None = None,
    state: str = "ended",
    answered: bool = True,
    duration: int | None = None,
    transcript: str = "segments",  # "segments", "text" (no segments) or "pending"
    long_items: int = 0,
) -> dict[str, Any]:
    """One call's vendor fields, with every documented field present, in the doc's order."""
    outbound = direction == "outbound"
    remote = remote or rng.choice(profile.others)
    main = main or profile.main_numbers[0]
    employee = employee or rng.choice(profile.employees)
    ring = rng.randint(3, 22)
    if duration is None and state == "ended" and answered:
        duration = max(20, min(1800, int(rng.lognormvariate(5.0, 0.7))))
    summary = transcription = segments = None
    if state == "ended" and answered and transcript != "pending":
        topic = pick_topic(rng, outbound)
        summary, segments = conversation(
            rng,
            topic=topic,
            company=profile.company.name,
            line=main.name.lower(),
            employee=employee,
            outbound=outbound,
            long_items=long_items,
        )
        transcription = full_text(segments)
        if transcript == "text":
            segments = None
    fields: dict[str, Any] = {
        "id": new_id(rng),
        "from": main.number if outbound else remote,
        "to": remote if outbound else main.number,
        "direction": direction,
        "state": state,
        "started_at": iso(started) if started else None,
        "answered_at": iso(started + timedelta(seconds=ring)) if started and answered else None,
        "duration": duration if state == "ended" else None,
        "summary": summary,
        "transcription": transcription,
        "transcription_segments": segments,
        "main_number_id": main.id,
        "main_number_name": main.name,
        "main_number": main.number,
        "main_number_formatted": main.formatted,
        "employees": [dict(employee)] if answered or outbound else [],
    }
    if outbound:
        fields["initiated_by"] = dict(employee)
    return fields


def _business_time(rng: random.Random, start: datetime, zone: ZoneInfo) -> datetime:
    """A moment in the past two weeks, during the company's office hours."""
    local_day = start.astimezone(zone).date() - timedelta(days=rng.randint(0, 13))
    clock = timedelta(
        hours=rng.randint(8, 17), minutes=rng.randint(0, 59), seconds=rng.randint(0, 59)
    )
    moment = datetime(local_day.year, local_day.month, local_day.day, tzinfo=zone) + clock
    while moment > start - timedelta(minutes=20):
        moment -= timedelta(days=1)
    return moment


def pick_remote(rng: random.Random, profile: Profile) -> str:
    """A caller: one of the regulars about a third of the time, so numbers recur."""
    pool = profile.regulars if rng.random() < 0.35 else profile.others
    return rng.choice(pool)


def line_weights(profile: Profile) -> list[int]:
    """How busy each main number is: the first line twice the second, four times the third."""
    count = len(profile.main_numbers)
    return [4, 2, 1][:count] + [1] * (count - 3)


def history(profile: Profile, start: datetime) -> list[StoredCall]:
    """The account's past calls, oldest and newest mixed (the store sorts)."""
    rng = random.Random(f"phonedash-simulator-{profile.company.name}")
    zone = ZoneInfo(profile.company.timezone)
    weights = line_weights(profile)
    calls = []
    for i in range(profile.history):
        started = _business_time(rng, start, zone)
        withheld = "anonymous" if i in ANONYMOUS else "restricted" if i in RESTRICTED else None
        outbound = not withheld and rng.random() < 0.3
        missed = not outbound and rng.random() < 0.2
        long_call = i == LONG_CALL and profile.history >= 100
        main = rng.choices(profile.main_numbers, weights=weights)[0]
        employee = rng.choice(profile.employees)
        fields = call_fields(
            profile,
            rng,
            started=started,
            direction="outbound" if outbound else "inbound",
            remote=withheld or pick_remote(rng, profile),
            main=main,
            employee=employee,
            answered=not missed or long_call,
            duration=rng.choice((0, None)) if missed and not long_call else None,
            transcript="text" if rng.random() < 0.1 and not long_call else "segments",
            long_items=37 if long_call else 0,
        )
        if long_call:
            fields["duration"] = 2830
        if missed and not long_call:
            fields["summary"] = rng.choice(
                (None, "Missed call. The caller did not leave a message.")
            )
        elif len(profile.employees) > 1 and rng.random() < 0.1:
            colleague = rng.choice([e for e in profile.employees if e != employee])
            fields["employees"].append(dict(colleague))  # transferred to a colleague
        if i == EXTRA_FIELDS:
            fields["sentiment"] = "positive"
            fields["tags"] = ["vip", "renewal"]
        recording = not missed and rng.random() >= 0.1
        calls.append(StoredCall(fields, recording=recording))
    return calls


def in_progress(profile: Profile, start: datetime) -> list[StoredCall]:
    """Calls caught mid-way at start-up, one per state, plus one the doc never mentions.

    These do not move; live calls (see timeline) do.
    """
    rng = random.Random(f"phonedash-simulator-now-{profile.company.name}")
    ago = [
        ("initiated", 20, False),
        ("playing_audio", 45, False),
        ("transferring", 70, False),
        ("recording", 150, False),  # taking a voicemail
        ("answered", 95, True),
        ("bridged", 240, True),
        ("parked", 180, True),  # not in the documentation
    ]
    calls = []
    for state, seconds, answered in ago:
        fields = call_fields(
            profile,
            rng,
            started=start - timedelta(seconds=seconds),
            remote=pick_remote(rng, profile),
            main=rng.choice(profile.main_numbers),
            state=state,
            answered=answered,
        )
        calls.append(StoredCall(fields, recording=False))
    for seconds in (360, 720):  # ended moments ago: summary and transcript not ready yet
        fields = call_fields(
            profile,
            rng,
            started=start - timedelta(seconds=seconds),
            remote=pick_remote(rng, profile),
            duration=rng.randint(60, 240),
            transcript="pending",
        )
        calls.append(StoredCall(fields))
    return calls


def live_call(profile: Profile, rng: random.Random, started: datetime) -> StoredCall:
    """An inbound call that starts at `started` and walks the timeline."""
    fields = call_fields(
        profile,
        rng,
        started=started,
        remote=pick_remote(rng, profile),
        main=rng.choice(profile.main_numbers),
        duration=timeline.DURATION,
    )
    return StoredCall(fields, live_start=started)


def recurring(profile: Profile, k: int, start: datetime) -> StoredCall:
    """The k-th call of the steady stream that keeps the demo busy."""
    assert profile.live_every
    rng = random.Random(f"phonedash-simulator-live-{profile.company.name}-{k}")
    return live_call(profile, rng, start + timedelta(seconds=k * profile.live_every))


# Missed callers told as a story on the busy account's callbacks board: (remote number, line
# index, how long before the start it was missed, and what came after: None for nothing,
# else (minutes after the missed call, direction, employee index, answered)). Numbers seen
# nowhere else, so that no other seeded call returns them. "days" ones lie days back, before
# the 50 most recent calls, where the dashboard looks each number up on its own.
CALLBACK_STORY: tuple[tuple[str, int, timedelta, tuple[int, str, int, bool] | None], ...] = (
    ("+16505550142", 0, timedelta(minutes=47), None),  # called twice, still waiting
    ("+16505550142", 0, timedelta(minutes=31), None),
    ("+19175550188", 1, timedelta(hours=3, minutes=10), (125, "outbound", 1, True)),
    ("+13105550167", 2, timedelta(minutes=95), (15, "inbound", 2, True)),  # rang again
    ("+17185550123", 0, timedelta(minutes=50), (10, "outbound", 0, False)),  # no answer
    ("anonymous", 1, timedelta(minutes=22), None),  # withheld: can only be marked handled
    ("+15035550111", 0, timedelta(days=4), (40, "outbound", 0, True)),
    ("+12535550177", 1, timedelta(days=4), None),
)
STORY_DAYS_AT = (timedelta(hours=10, minutes=12), timedelta(hours=16, minutes=40))


def callback_story(profile: Profile, start: datetime) -> list[StoredCall]:
    """Missed calls that were and were not returned, at known times before `start` (those
    days back at set office hours), with the calls that returned them or failed to."""
    rng = random.Random(f"phonedash-simulator-callbacks-{profile.company.name}")
    zone = ZoneInfo(profile.company.timezone)
    calls = []
    days_back = 0
    for remote, line, before, after in CALLBACK_STORY:
        if before >= timedelta(days=1):
            day = start.astimezone(zone).date() - timedelta(days=before.days)
            midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
            missed_at = midnight + STORY_DAYS_AT[days_back % len(STORY_DAYS_AT)]
            days_back += 1
        else:
            missed_at = start - before
        main = profile.main_numbers[line % len(profile.main_numbers)]
        fields = call_fields(
            profile, rng, started=missed_at, remote=remote, main=main, answered=False
        )
        calls.append(StoredCall(fields, recording=False))
        if after is None:
            continue
        minutes, direction, employee, answered = after
        fields = call_fields(
            profile,
            rng,
            started=missed_at + timedelta(minutes=minutes),
            direction=direction,
            remote=remote,
            main=main,
            employee=profile.employees[employee % len(profile.employees)],
            answered=answered,
        )
        calls.append(StoredCall(fields, recording=answered))
    return calls


def seed_account(profile: Profile, start: datetime) -> list[StoredCall]:
    """Everything an account holds when the simulator starts."""
    if profile.history == 0:
        return []
    calls = history(profile, start) + in_progress(profile, start)
    if profile.live_every:
        rng = random.Random(f"phonedash-simulator-live-{profile.company.name}-0")
        calls += [
            live_call(profile, rng, start),
            live_call(profile, rng, start + timedelta(seconds=20)),
        ]
        calls += callback_story(profile, start)
    if profile.main_numbers[0].id == VENDOR_EXAMPLE["main_number_id"]:
        calls.append(StoredCall(copy.deepcopy(VENDOR_EXAMPLE)))
    if not profile.live_every:  # a quieter account: one call still being created
        rng = random.Random(f"phonedash-simulator-new-{profile.company.name}")
        fields = call_fields(profile, rng, started=None, state="initiated", answered=False)
        calls.append(StoredCall(fields, recording=False))
    return calls
