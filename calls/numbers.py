"""Phone numbers as people type them, read in the company's region and turned into E.164."""

from __future__ import annotations

import phonenumbers

from calls import memo
from calls.phoneinc import E164_RE


def to_e164(text: str, region: str) -> str:
    """A number in any format the region can read, as E.164; ValueError when unreadable.

    phonenumbers calls a number "possible" by its length in the region, so a few typed
    digits (GB "020 7", DE "030") pass, and give no E.164 number Phone.inc accepts: check
    the result against the client's own pattern, so the form explains it instead."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise ValueError(text) from None
    if not phonenumbers.is_possible_number(number):
        raise ValueError(text)
    result = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if not E164_RE.fullmatch(result):
        raise ValueError(text)
    return result


def as_e164(text: str | None, region: str) -> str | None:
    """`text` as E.164 when it is already or can be read so; None when it cannot."""
    if not text:
        return None
    text = text.strip()
    if E164_RE.fullmatch(text):
        return text
    try:
        return to_e164(text, region)
    except ValueError:
        return None


_examples: memo.Memo[tuple, str] = memo.Memo(
    "example numbers", entries=256, max_bytes=256 * memo.SMALL_ENTRY_BYTES, sizeof=memo.small
)


@_examples.memoise
def example_number(region: str) -> str:
    """A number as people in the region write it, for placeholders and error messages."""
    example = phonenumbers.example_number(region)
    if example is None:
        return "+1 408 555 0199"
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)
