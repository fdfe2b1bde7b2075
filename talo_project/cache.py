"""Django's Redis cache with one redis-py client and connection pool per process.

Django keeps a cache backend per thread, each with its own connection pool, and builds a new
`redis.Redis` for every cache call. REST requests run on many threads (talo_project/request_threads.py),
so each new thread opened Redis connections of its own, and redis-py's constructor costs more
CPU than the command it sends (a ticket, a socket-token check, a rate-limit count and a key lookup
are each one cache call on the connection path, docs/architecture.md). A client over a pool is
safe to share between threads: every backend of the process uses the same one, and the pool's
bound (settings.CACHES) is the process's."""

import threading

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.utils.functional import cached_property

_clients = {}  # (servers, options) -> _SharedClient
_lock = threading.Lock()


class _SharedClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._by_pool = {}  # id(pool) -> client

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._by_pool.get(id(pool))
        if client is None:
            client = self._by_pool[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    @cached_property
    def _cache(self):
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = _SharedClient(self._servers, **self._options)
        return client
