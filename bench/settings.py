"""The project's settings with the bench's URLs: production code carries nothing bench-only.

STATIC_ROOT comes from PHONEDASH_BENCH_STATIC_ROOT so collectstatic writes to a temp folder.
"""

import os

from phonedash.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
STATIC_ROOT = os.environ.get("PHONEDASH_BENCH_STATIC_ROOT", STATIC_ROOT)  # noqa: F405
