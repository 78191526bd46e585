"""The shared cache on Redis, with one client for each server rather than one per call.

Django's RedisCache builds a new redis.Redis client for every cache call (its own table
of about 170 reply parsers each time), which cost more than the round trip itself for the
one GET every visitor's page makes (directory/pages.py, the directory version). A client
is safe to share: it takes a connection from its pool for each command, and the pool
starts afresh in a forked worker.
"""

import redis  # noqa: F401  (here, so that groupfinder/wsgi.py loads it before forking)
from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class _ClientPerServer(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        if index not in self._clients:
            self._clients[index] = super().get_client(key, write=write)
        return self._clients[index]


class SharedRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ClientPerServer
