"""The Redis that tests needing one of their own use, whatever cache the run is configured with.

PHONEDASH_TEST_REDIS_URL (CI sets redis://127.0.0.1:6379/1), else that same default. The
database is flushed first: it belongs to the tests, never to a deployment.
"""

from __future__ import annotations

import os

import redis

from tests.conftest import need

DEFAULT_URL = "redis://127.0.0.1:6379/1"


def redis_for_tests() -> str:
    """A reachable, empty Redis database's URL; fails in CI (skips elsewhere) without one."""
    url = os.environ.get("PHONEDASH_TEST_REDIS_URL") or DEFAULT_URL
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
    try:
        client.flushdb()
    except redis.RedisError as error:
        need(f"Redis is not running at {url} ({type(error).__name__})")
    finally:
        client.close()
    return url
