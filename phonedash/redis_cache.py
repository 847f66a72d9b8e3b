"""Django's Redis cache, with short socket timeouts, one Redis client per connection pool, and
the two atomic operations calls.answers.shared asks of a shared cache.

Redis answers in about a millisecond; one that accepts connections and never answers would
otherwise hold each operation for redis-py's default of no timeout at all. So connecting and
each answer get PHONEDASH_REDIS_TIMEOUT unless OPTIONS say otherwise (calls.answers.shared then
skips the cache for a few seconds after a failure).

Django builds a new `redis.Redis` for every cache operation, and redis-py fills a table of
response callbacks in each: about 60 µs, as much as the round trip itself. A warm page makes
one cache operation, a cold one six. Clients are thread-safe and hold no connection of their
own (the pool does, and redis-py's pool starts afresh in a forked gunicorn worker).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

# A counter that expires `timeout` seconds after its first count; its new value.
_COUNT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
"""
# A sorted set of keys by when they were noted; those beyond the newest ARGV[3] are deleted.
_KEEP_NEWEST = """
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
local extra = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[3])
if extra > 0 then
  local gone = redis.call('ZRANGE', KEYS[1], 0, extra - 1)
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, extra - 1)
  redis.call('DEL', unpack(gone))
else
  extra = 0
end
redis.call('EXPIRE', KEYS[1], ARGV[4])
return extra
"""


class ReusedClients(RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params) -> None:
        options = dict(params.get("OPTIONS") or {})
        options.setdefault("socket_connect_timeout", settings.PHONEDASH_REDIS_TIMEOUT)
        options.setdefault("socket_timeout", settings.PHONEDASH_REDIS_TIMEOUT)
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = ReusedClients

    def count(self, key: str, timeout: int) -> int:
        """calls.answers.shared.SharedCache.count, in one atomic step."""
        full = self.make_and_validate_key(key)
        client = self._cache.get_client(full, write=True)
        return int(client.eval(_COUNT, 1, full, max(1, int(timeout))))

    def keep_newest(self, index: str, key: str, keep: int, timeout: float) -> int:
        """calls.answers.shared.SharedCache.keep_newest, in one atomic step for every worker."""
        index_key = self.make_and_validate_key(index)
        member = self.make_and_validate_key(key)
        client = self._cache.get_client(index_key, write=True)
        seconds = max(1, int(timeout))
        return int(client.eval(_KEEP_NEWEST, 1, index_key, time.time(), member, keep, seconds))
