"""Django's Redis cache with one redis-py client and connection pool per process.

Django keeps a cache backend per thread, each with its own connection pool, and builds a new
`redis.Redis` for every cache call. REST requests run on many threads (talo_project/request_threads.py),
so each new thread opened Redis connections of its own, and redis-py's constructor costs more
CPU than the command it sends (a ticket, a socket-token check, a rate-limit count and a key lookup
are each one cache call on the connection path, docs/architecture.md). A client over a pool is
safe to share between threads: every backend of the process uses the same one, and the pool's
bound (settings.CACHES) is the process's."""

import asyncio
import threading
import weakref

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.utils.functional import cached_property

from sockets import redis_clients
from sockets.pipelining import CommandPipeline

_clients = {}  # (servers, options) -> _SharedClient
_loop_pipelines = weakref.WeakKeyDictionary()  # event loop -> {server: CommandPipeline}
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

    def _command(self, *args):
        """One command on a connection of the write server's pool (`command`)."""
        return command(self._get_connection_pool(True), *args)

    def set(self, key, value, timeout):
        """Django's SET (socket tickets, socket tokens) in one `_command`."""
        if timeout == 0:
            return super().set(key, value, timeout)
        self._command("SET", key, self._serializer.dumps(value), *(() if timeout is None else ("EX", timeout)))


def command(pool, *args):
    """One command on a connection of redis-py's `pool`, without redis-py's client around it: its
    per-command retry wrapper and metrics recording cost a third of what a socket ticket's SET did
    (docs/architecture.md, "One connection"). The pool checks a connection before handing it out
    and reopens one Redis closed; one failing mid-command is closed and the error goes to the
    caller (a REST request answers 503, talo_project/rest/exceptions.py)."""
    connection = pool.get_connection()
    try:
        connection.send_command(*args)
        return connection.read_response()
    except BaseException:
        connection.disconnect()
        raise
    finally:
        pool.release(connection)


class RedisCache(DjangoRedisCache):
    @cached_property
    def _cache(self):
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = _SharedClient(self._servers, **{**redis_clients.OPTIONS, **self._options})
        return client

    def validate_key(self, key):
        """Django warns of keys memcached would refuse, checking them character by character on
        every cache call (~2 % of a socket connect's CPU); Redis takes any key."""


# A fixed-window counter's hit: the count, and the window's expiry set by its first hit.
_COUNT_HIT = "local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end return n"


def count_hit(backend, key, window):
    """One more hit on the counter `key` of a `window`-second window that starts at its first hit:
    the hits so far. On Redis one command (a script, atomic); on another cache Django's add and
    incr."""
    if isinstance(backend, RedisCache):
        return backend._cache._command("EVAL", _COUNT_HIT, 1, backend.make_and_validate_key(key), window)
    backend.add(key, 0, window)
    try:
        return backend.incr(key)
    except ValueError:  # expired between add and incr: a new window
        backend.add(key, 1, window)
        return 1


async def get_on_loop(backend, key):
    """`key` of the Redis cache `backend`, read with one command sent from the event loop: the
    value, or None."""
    return _loaded(backend, await _loop_commands(backend).execute("GET", backend.make_and_validate_key(key)))


async def getdel_on_loop(backend, key):
    """Get and delete `key` of the Redis cache `backend` in one command (GETDEL; Django's cache API
    has none), sent from the event loop: the value, or None."""
    return _loaded(backend, await _loop_commands(backend).execute("GETDEL", backend.make_and_validate_key(key)))


def _loaded(backend, value):
    return None if value is None else backend._cache._serializer.loads(value)


def _loop_commands(backend):
    """Each event loop's commands to the cache's write server go through one pipelined connection
    (sockets/pipelining.py): a connection storm's ticket and token reads go out together. A
    connection a Redis restart cut fails its commands once, and they are sent again on a new one.
    (A GETDEL retried after Redis ran it refuses that ticket; the client fetches another.)"""
    pipelines = _loop_pipelines.setdefault(asyncio.get_running_loop(), {})
    server = backend._servers[0]  # Django's cache writes to the first server
    pipeline = pipelines.get(server)
    if pipeline is None:
        client = redis_clients.async_client(server)
        pipeline = pipelines[server] = CommandPipeline(lambda: client)
    return pipeline
