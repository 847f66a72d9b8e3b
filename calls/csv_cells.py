"""Cells a spreadsheet reads as text, never as a formula (OWASP "CSV Injection").

Excel, LibreOffice and Google Sheets run a cell that starts with `=`, `+`, `-` or `@` as a
formula (a tab or carriage return first lets some of them skip ahead to one), so text that
came from outside, a caller's name or a call summary, could run `=HYPERLINK(...)` on the
reader's machine. Such a cell gets a leading apostrophe, which spreadsheets read as "this is
text" and do not show. A sign followed only by digits and spaces is a number, not a formula:
E.164 numbers like +14155551234 and amounts like -42 stay as they are.

Every CSV phonedash writes (the call export, the audit log) passes its cells through here.
"""

from __future__ import annotations

import re

FORMULA_STARTS = ("=", "@", "\t", "\r")
SIGNS = ("+", "-")
RISKY_FIRST = frozenset(FORMULA_STARTS + SIGNS)  # most cells start otherwise: one lookup each
# After a sign: digits and spaces only, and at least one digit ("+" alone is not a number).
_SIGNED_NUMBER_RE = re.compile(r"[+-][0-9 ]*[0-9][0-9 ]*")
TEXT_MARK = "'"


def safe_cell(value: object) -> str:
    """`value` as CSV cell text that a spreadsheet will not evaluate; None is an empty cell."""
    text = "" if value is None else str(value)
    if text[:1] not in RISKY_FIRST:
        return text
    if text.startswith(FORMULA_STARTS):
        return TEXT_MARK + text
    if text.startswith(SIGNS) and not _SIGNED_NUMBER_RE.fullmatch(text):
        return TEXT_MARK + text
    return text


def safe_row(values) -> list[str]:
    """A whole row of cells, each through safe_cell."""
    return [safe_cell(value) for value in values]
