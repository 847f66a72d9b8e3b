"""A call's fields as a test or the control routes give them, and in the vendor's order."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .clock import iso

# Pass as a field value to `add_call` to leave that field out of the call entirely.
OMIT: Any = type("Omit", (), {"__repr__": lambda self: "OMIT"})()

# The vendor documentation's order of a call's fields; fields it does not list come after.
FIELD_ORDER = (
    "id",
    "from",
    "to",
    "direction",
    "state",
    "started_at",
    "answered_at",
    "duration",
    "summary",
    "transcription",
    "transcription_segments",
    "recording_url",
    "main_number_id",
    "main_number_name",
    "main_number",
    "main_number_formatted",
    "employees",
    "initiated_by",
)


def given(fields: dict[str, Any]) -> dict[str, Any]:
    """Fields as given to `add_call`: `from_` stands for `from`, datetimes become ISO strings."""
    fields = dict(fields)
    if "from_" in fields:
        fields["from"] = fields.pop("from_")
    return {
        name: iso(value) if isinstance(value, datetime) else value for name, value in fields.items()
    }


def direction_of(value: object) -> str:
    return value if value in ("inbound", "outbound") else "inbound"


def text_of(value: object) -> str:
    return value if isinstance(value, str) else ""


def without_omitted(fields: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if value is not OMIT}
