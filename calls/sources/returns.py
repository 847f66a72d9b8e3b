"""Which call returned a missed call: one rule for the callbacks board, insights and the
history's stored returns (calls.history.store, which applies it in SQL).

A missed call is *returned* by the first call that started after it (strictly: a call in the
same second cannot be told to have come later) with the same remote number, read as E.164 in
the company's region, in either direction, that was answered.
"""

from __future__ import annotations

from collections.abc import Iterable

from calls.numbers import as_e164
from calls.phoneinc import Call


def number_key(call: Call, region: str) -> str | None:
    """The remote number as rows and matching compare it: E.164 where it reads as a phone
    number, its digits (marked with #) where it does not; None for a withheld number."""
    if call.is_withheld:
        return None
    number = as_e164(call.remote_number, region)
    if number is not None:
        return number
    return "#" + "".join(char for char in call.remote_number if char.isdigit())


def first_return(missed: Call, later: Iterable[Call], region: str) -> Call | None:
    """The call that returned `missed`, among `later`: the first answered one with the same
    number that started after it (on a tie, an outbound call: someone called back)."""
    key = number_key(missed, region)
    if key is None or missed.started_at is None:
        return None
    answered = [
        call
        for call in later
        if call.answered_at is not None
        and call.started_at is not None
        and call.started_at > missed.started_at
        and call.id != missed.id
        and number_key(call, region) == key
    ]
    if not answered:
        return None
    return min(answered, key=lambda c: (c.started_at, c.direction != "outbound", c.id))


def returns(calls: Iterable[Call], region: str) -> dict[str, Call]:
    """Each missed call's returning call among `calls`, by the missed call's id."""
    calls = list(calls)
    by_number: dict[str, list[Call]] = {}
    for call in calls:
        key = number_key(call, region)
        if key is not None:
            by_number.setdefault(key, []).append(call)
    found = {}
    for call in calls:
        if call.is_missed:
            key = number_key(call, region)
            back = first_return(call, by_number.get(key, ()), region) if key else None
            if back is not None:
                found[call.id] = back
    return found
