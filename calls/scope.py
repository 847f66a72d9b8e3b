"""What a member may see of their company's calls: their lines, and whether recordings and
transcripts.

Phone.inc has no line filter, so a limited member's window is the company's answer filtered
after the fetch: the cache stays per company and parameters, never per member, and a call
outside the member's lines is treated exactly like another company's call (a 404).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

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

    def visible(self, calls: Iterable[Call]) -> tuple[Call, ...]:
        """The calls the member may see, in their order; the same tuple when unlimited."""
        if not self.lines:
            return calls if isinstance(calls, tuple) else tuple(calls)
        return tuple(call for call in calls if self.sees(call))


EVERYTHING = Scope()


def scope_of(membership) -> Scope:
    """The scope of a Membership: its lines normalised once, its content flag."""
    region = membership.company.region
    lines = frozenset(
        number for number in (as_e164(line, region) for line in membership.lines or ()) if number
    )
    return Scope(lines=lines, content=membership.can_access_content, region=region)
