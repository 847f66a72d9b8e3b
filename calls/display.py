"""How call values read on a page: phone numbers, durations, states, relative times.

Computed once per value (phone formatting is memoised) so a 50-row table stays cheap.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import phonenumbers
from django.utils import timezone

from calls import memo
from calls.phoneinc import call_state, is_withheld_number

WITHHELD = "Withheld number"
PHONES_KEPT = 4096
PHONES_BYTES = 4 * 1024 * 1024
_phones: memo.Memo[tuple, str] = memo.Memo(
    "phone numbers", entries=PHONES_KEPT, max_bytes=PHONES_BYTES, sizeof=memo.text
)


@_phones.memoise
def phone(number: str | None, region: str = "US") -> str:
    """National format for numbers of the company's region, international for the rest."""
    if is_withheld_number(number):
        # "anonymous", "restricted", "unknown"... say so plainly rather than echo jargon; any
        # other text that is no number is shown as Phone.inc sent it.
        return WITHHELD if not number or number.replace(" ", "").isalpha() else number
    try:
        parsed = phonenumbers.parse(number, None if number.startswith("+") else region)
    except phonenumbers.NumberParseException:
        return number
    # Same country code, not same region: +44 7911 is Guernsey to phonenumbers, yet a UK
    # office dials it as 07911 ...; likewise +1 numbers across the NANP for a US company.
    if parsed.country_code == phonenumbers.country_code_for_region(region):
        style = phonenumbers.PhoneNumberFormat.NATIONAL
    else:
        style = phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(parsed, style)


def duration(seconds: int | None) -> str:
    """m:ss, or h:mm:ss from an hour on; an em dash when unknown."""
    if seconds is None:
        return "—"
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def state_label(state: str) -> str:
    """The badge's word for a state, from the table of call states (as the filter's are)."""
    return call_state(state).label


def state_tone(state: str) -> str:
    """The badge's CSS modifier: badge-ringing, -active, -done, or -unknown for new states."""
    return call_state(state).tone


def relative(moment: datetime | None, now: datetime | None = None, zone=None) -> str:
    """'just now', '5 min ago', '3 h ago', 'yesterday', '4 days ago', or a date (in `zone`,
    by default the current time zone: a 50-row list passes it once rather than look it up)."""
    if moment is None:
        return "—"
    now = now or timezone.now()
    seconds = int((now - moment).total_seconds())
    if seconds < -60:
        return "in the future"
    if seconds < 45:
        return "just now"
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h ago"
    local_now, local = timezone.localtime(now, zone), timezone.localtime(moment, zone)
    days = (local_now.date() - local.date()).days
    if days <= 1:
        return "yesterday"
    if days < 7:
        return f"{days} days ago"
    return local.strftime("%-d %b") if local.year == local_now.year else local.strftime("%-d %b %Y")


def age(seconds: int | None) -> str:
    """How old an answer is, in words: '40 seconds', '1 minute', '2 hours'."""
    seconds = max(0, int(seconds or 0))
    for unit, size in (("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return "1 second" if seconds == 1 else f"{seconds} seconds"


def absolute(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return timezone.localtime(moment).strftime("%a %-d %b %Y, %H:%M:%S %Z")


def span(value: timedelta | None) -> str:
    """A wait in words: '40 s', '12 min', '2 h 5 min', '3 d 4 h'."""
    if value is None:
        return "—"
    seconds = max(0, int(value.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def between(start: datetime, end: datetime) -> str:
    """A span of time in the current zone, as a sentence reads it: "Between 10:02 and 10:05 on
    Tue 3 Dec", or with both days when it crosses midnight."""
    start, end = timezone.localtime(start), timezone.localtime(end)
    if start.date() == end.date():
        return f"Between {start:%H:%M} and {end:%H:%M} on {start:%a} {start.day} {start:%b}"
    return (
        f"Between {start:%a} {start.day} {start:%b} {start:%H:%M} "
        f"and {end:%a} {end.day} {end:%b} {end:%H:%M}"
    )


def gap_sentence(gap) -> str:
    """What a page says of a gap (calls.models.Gap) in the history it shows."""
    return (
        f"{between(gap.start, gap.end)} Phone.inc had more calls than phonedash could read; "
        "some may be missing."
    )


def speaker_name(segment, names: dict[str, str]) -> str:
    """Who says a transcript segment: an employee by their name (`names`: by employee id);
    anyone else as Phone.inc names them, or Caller."""
    if segment.employee_id and names.get(segment.employee_id):
        return names[segment.employee_id]
    return segment.speaker.strip() or ("Employee" if segment.employee_id else "Caller")
