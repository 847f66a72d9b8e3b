"""What a member may see of their company's calls: their lines, and whether recordings and
transcripts.

A member's lines go into every CallQuery a page asks (calls.sources), and a call outside them
is treated exactly like another company's call (a 404).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import phonenumbers

from calls.numbers import as_e164
from calls.phoneinc import Call


@dataclass(frozen=True, slots=True)
class Scope:
    """A member's view: `lines` are main numbers in E.164 (empty: every line); `content`
    says whether they may play recordings and read transcripts."""

    lines: frozenset[str] = frozenset()
    content: bool = True
    region: str = "US"

    @property
    def is_limited(self) -> bool:
        return bool(self.lines)

    def sees(self, call: Call) -> bool:
        """Whether the call is on one of the member's lines (both sides read as E.164)."""
        if not self.lines:
            return True
        return as_e164(call.main_number, self.region) in self.lines


EVERYTHING = Scope()


@dataclass(frozen=True, slots=True)
class Line:
    """A main number as a page names it: "Sales +1 415-555-1234"."""

    number: str  # E.164
    name: str = ""
    formatted: str = ""

    @property
    def label(self) -> str:
        return f"{self.name} {self.formatted}".strip() if self.name else self.formatted

    def __str__(self) -> str:
        return self.label


def international(number: str) -> str:
    """An E.164 number as people read it across borders, +1 415-555-1234."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def lines_seen(calls: Iterable[Call], region: str) -> dict[str, Line]:
    """The company's lines as its calls name them, by E.164 number, in order of first sight."""
    seen: dict[str, Line] = {}
    for call in calls:
        number = as_e164(call.main_number, region)
        if number and number not in seen:
            formatted = call.main_number_formatted or international(number)
            seen[number] = Line(number, call.main_number_name or "", formatted)
    return seen


def named_lines(numbers: Iterable[str], known: dict[str, Line]) -> list[Line]:
    """`numbers` (E.164) with the names `known` gives them; numbers only for the others."""
    return [known.get(number) or Line(number, "", international(number)) for number in numbers]


def scope_of(membership) -> Scope:
    """The scope of a Membership: its lines normalised once, its content flag."""
    region = membership.company.region
    lines = frozenset(
        number for number in (as_e164(line, region) for line in membership.lines or ()) if number
    )
    return Scope(lines=lines, content=membership.can_access_content, region=region)
