"""talo_project/cache.py against a real Redis: the cache's SET, sent on a connection of the pool
without redis-py's client, keeps Django's meaning (value, expiry, no expiry, timeout 0) and
recovers from connections Redis closed; no Redis client of the server announces itself on connecting
(sockets/redis_clients.py); the REST rate limiter's counter counts its window's hits
in one command, the window starting at its first hit."""

import os
import time

import pytest
import redis
from asgiref.sync import async_to_sync
from django.core.cache import caches

from talo_project.cache import RedisCache, count_hit

pytestmark = pytest.mark.redis

KEY = "test-cache-set"


@pytest.fixture
def cache():
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        pytest.skip("the default cache is not Redis here")
    backend.delete(KEY)
    yield backend
    backend.delete(KEY)


@pytest.fixture
def plain():
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    yield client
    client.close()


def test_set_stores_the_value_with_its_expiry(cache, plain):
    cache.set(KEY, {"ticket": 1, "flag": "1:0"}, 300)
    assert cache.get(KEY) == {"ticket": 1, "flag": "1:0"}
    assert 295 <= plain.ttl(cache.make_key(KEY)) <= 300
    cache.set(KEY, 42, None)  # no expiry: Django's None
    assert cache.get(KEY) == 42
    assert plain.ttl(cache.make_key(KEY)) == -1
    cache.set(KEY, "gone", 0)  # expired at once: Django deletes it
    assert cache.get(KEY) is None and not plain.exists(cache.make_key(KEY))


def test_a_windows_first_hit_starts_it(cache, plain):
    assert [count_hit(cache, KEY, 60) for _ in range(3)] == [1, 2, 3]
    assert 55 <= plain.ttl(cache.make_key(KEY)) <= 60  # set by the first hit, kept by the others
    plain.expire(cache.make_key(KEY), 1)
    time.sleep(1.2)  # the window is over: the next hit starts a new one
    assert count_hit(cache, KEY, 60) == 1
    assert 55 <= plain.ttl(cache.make_key(KEY)) <= 60


def test_set_reopens_a_connection_redis_closed(cache, plain):
    cache.set(KEY, "before", 60)
    pool = cache._cache._get_connection_pool(True)
    connection = pool.get_connection()  # the one the next command gets again (the pool is LIFO)
    connection.send_command("CLIENT", "ID")
    client_id = connection.read_response()
    pool.release(connection)
    assert plain.client_kill_filter(_id=client_id) == 1
    cache.set(KEY, "after", 60)
    assert cache.get(KEY) == "after"


def test_every_redis_client_connects_without_announcing_itself(cache):
    """sockets/redis_clients.py: no connection of the server's Redis clients sends CLIENT SETINFO
    (nor reads redis-py's package metadata to fill it in) when it opens."""
    from channels.layers import get_channel_layer

    from game_channels.history import store
    from presence.live_connections import registry

    async def layer_pool():
        shard = get_channel_layer()._get_layer()._shards[0]
        shard._ensure_redis()
        return shard._redis.connection_pool

    pools = {
        "cache": cache._cache._get_connection_pool(True),
        "presence registry": registry().client.connection_pool,
        "channel history": store().client.connection_pool,
        "channel layer": async_to_sync(layer_pool)(),
    }
    for name, pool in pools.items():
        assert pool.connection_kwargs.get("driver_info", "redis-py's default") is None, name
    connection = pools["cache"].make_connection()
    connection.connect()
    try:
        assert connection.driver_info is None
    finally:
        connection.disconnect()
