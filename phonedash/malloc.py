"""glibc's allocator, set so that a worker gives memory back once a large answer is done with.

Handling a 4 MB Phone.inc answer builds tens of megabytes of objects for a moment (the JSON
parsed, the records, their pickle for the cache, the page). With glibc's defaults much of that
stays with the process afterwards: each thread gets an arena of its own (up to eight per core),
and once a large block has been freed glibc raises the size from which it maps blocks on their
own to that block's size, so later large blocks come from the arenas and what they leave free
is kept. So, once per process before its request threads start (phonedash.wsgi):

- M_ARENA_MAX 2: the threads share two arenas (Python's GIL serialises most of their work);
- M_MMAP_THRESHOLD 128 KiB, fixed: every block from 128 KiB up is mapped on its own and
  unmapped when freed; setting it also stops glibc from raising it.

Only on glibc; MALLOC_ARENA_MAX or MALLOC_MMAP_THRESHOLD_ in the environment (glibc's own
variables, read at start-up) win over these.
"""

from __future__ import annotations

import ctypes
import logging
import os

log = logging.getLogger("phonedash.malloc")

M_MMAP_THRESHOLD = -3  # mallopt() parameters, from glibc's malloc.h
M_ARENA_MAX = -8
ARENAS = 2
MMAP_THRESHOLD = 128 * 1024
SETTINGS = (
    ("MALLOC_ARENA_MAX", M_ARENA_MAX, ARENAS),
    ("MALLOC_MMAP_THRESHOLD_", M_MMAP_THRESHOLD, MMAP_THRESHOLD),
)


def is_glibc() -> bool:
    try:
        return os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc")
    except (ValueError, OSError, AttributeError):
        return False


def tune() -> list[str]:
    """Apply the settings the environment does not set itself; returns the variables applied."""
    if not is_glibc():
        return []
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return []
    applied = []
    for variable, parameter, value in SETTINGS:
        if variable not in os.environ and mallopt(parameter, value) == 1:
            applied.append(variable)
    log.debug("malloc tuned: %s", ", ".join(applied) or "nothing")
    return applied
