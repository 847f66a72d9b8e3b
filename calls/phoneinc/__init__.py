"""Phone.inc Calls API: the client and its records, as a package whose modules follow."""

from __future__ import annotations

from calls.phoneinc.client import *  # noqa: F403
from calls.phoneinc.client import (  # noqa: F401  callers use these as phoneinc.X too
    _SESSION,
    E164_RE,
    MAX_LIMIT,
    MIN_ATTEMPT_SECONDS,
    TOO_SLOW_MESSAGE,
    __all__,
)
