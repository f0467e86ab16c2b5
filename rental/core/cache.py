"""Django's Redis cache, keeping one Redis client per server instead of building one per call.

Django's client builds a new `redis.Redis` for every cache call, and each build fills a table of
some 200 reply parsers: on a page whose only cache call is its session read, that was 5 % of the
reservation POST's CPU under cProfile (README, "Performance"). A client is safe to share (its
connection pool is), and Django already gives each thread its own cache object.
"""

from __future__ import annotations

from django.core.cache.backends import redis


class _Client(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)  # Django's choice of server, its pools kept
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _Client
