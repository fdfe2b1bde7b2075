"""Django's Redis cache with one redis-py client per connection pool.

Django's RedisCacheClient builds a new `redis.Redis` for every cache call, and redis-py's
constructor costs more CPU than the command it sends (a ticket, a socket-token check, a rate-limit
count and a key lookup are each one cache call on the connection path, docs/architecture.md). A
client over a connection pool is safe to share between threads, so one per pool serves them all."""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _ClientPerPool(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}  # id(pool) -> client

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ClientPerPool
