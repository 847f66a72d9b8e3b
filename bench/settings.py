"""The project's settings with the bench's URLs: production code carries nothing bench-only.

STATIC_ROOT comes from PHONEDASH_BENCH_STATIC_ROOT so collectstatic writes to a temp folder.
"""

from phonedash.env import env_str
from phonedash.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
STATIC_ROOT = env_str("PHONEDASH_BENCH_STATIC_ROOT", str(STATIC_ROOT))  # noqa: F405
