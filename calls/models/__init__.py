"""What phonedash stores, one module per kind: companies and their members, notes on calls, the
audit log, sign-in counters and the call history. One Django app (`calls`), whatever module a
model lives in."""

from calls.models.audit import AuditEvent
from calls.models.companies import (
    Company,
    Membership,
    company_of,
    validate_region,
    validate_timezone,
)
from calls.models.history import EmployeeDay, Gap, HookNudge, LineDay, StoredCall, SyncState
from calls.models.login import LoginCounter
from calls.models.notes import Note

__all__ = [
    "AuditEvent",
    "Company",
    "EmployeeDay",
    "Gap",
    "HookNudge",
    "LineDay",
    "LoginCounter",
    "Membership",
    "Note",
    "StoredCall",
    "SyncState",
    "company_of",
    "validate_region",
    "validate_timezone",
]
