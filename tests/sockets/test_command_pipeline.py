"""sockets/pipelining.py against a real Redis: replies matched to their callers in order, Redis's
errors raised as redis-py's exceptions, a cancelled caller misaligning nothing, and a connection
Redis cut replaced on the next command."""

import asyncio
import os
import socket

import pytest
import redis
import redis.asyncio
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, ResponseError

from sockets.pipelining import CommandPipeline

pytestmark = pytest.mark.redis

KEY = "test-command-pipeline"


@pytest.fixture
def url():
    url = os.environ["REDIS_URL"]
    plain = redis.Redis.from_url(url)
    plain.delete(KEY, KEY + ":list")
    yield url
    plain.delete(KEY, KEY + ":list")
    plain.close()


def pipeline_for(url):
    client = redis.asyncio.Redis.from_url(url)
    return CommandPipeline(lambda: client)


def test_commands_of_one_turn_are_answered_each_to_its_caller_in_order(url):
    async def go():
        pipeline = pipeline_for(url)
        replies = await asyncio.gather(*(pipeline.execute("INCR", KEY) for _ in range(300)))
        mixed = await asyncio.gather(pipeline.execute("SET", KEY, "text"), pipeline.execute("GET", KEY),
                                     pipeline.execute("STRLEN", KEY), pipeline.execute("PING"))
        await pipeline.close()
        return replies, mixed

    replies, mixed = asyncio.run(go())
    assert replies == list(range(1, 301))
    assert mixed == [b"OK", b"text", 4, b"PONG"]


def test_errors_are_redis_py_exceptions_and_the_connection_goes_on(url):
    async def go():
        pipeline = pipeline_for(url)
        results = await asyncio.gather(
            pipeline.execute("EVALSHA", "0" * 40, 0), pipeline.execute("SET", KEY, "1"),
            pipeline.execute("LPUSH", KEY, "x"), pipeline.execute("INCR", KEY), return_exceptions=True,
        )
        await pipeline.close()
        return results

    no_script, stored, wrong_type, counted = asyncio.run(go())
    assert isinstance(no_script, NoScriptError)
    assert stored == b"OK"
    assert isinstance(wrong_type, ResponseError) and "WRONGTYPE" in str(wrong_type)
    assert counted == 2


def test_a_cancelled_caller_does_not_take_the_next_reply(url):
    async def go():
        pipeline = pipeline_for(url)
        await pipeline.execute("SET", KEY, "after")
        blocked = asyncio.ensure_future(pipeline.execute("BLPOP", KEY + ":list", "0.3"))
        await asyncio.sleep(0.05)
        blocked.cancel()
        value = await pipeline.execute("GET", KEY)  # answered after the BLPOP's nil, which nobody takes
        await pipeline.close()
        return value

    assert asyncio.run(go()) == b"after"


def test_a_push_redis_sends_unasked_is_nobodys_reply(url):
    """On a RESP3 connection (redis-py's default) Redis may send news nobody asked for (here a
    client-side caching invalidation): it is nobody's reply, and the connection goes on."""
    other = redis.Redis.from_url(url)

    async def go():
        pipeline = pipeline_for(url)
        await pipeline.execute("SET", KEY, "1")
        connection = await pipeline.execute("CLIENT", "ID")
        assert await pipeline.execute("CLIENT", "TRACKING", "on") == b"OK"
        assert await pipeline.execute("GET", KEY) == b"1"  # now tracked
        other.set(KEY, "2")  # Redis pushes an invalidation of KEY to the pipeline's connection
        await asyncio.sleep(0.1)
        replies = await asyncio.gather(pipeline.execute("PING"), pipeline.execute("GET", KEY),
                                       pipeline.execute("CLIENT", "ID"))
        await pipeline.close()
        return connection, replies

    connection, replies = asyncio.run(go())
    other.close()
    assert replies == [b"PONG", b"2", connection]


def test_a_connection_redis_cut_is_replaced_by_the_next_command(url):
    admin = redis.Redis.from_url(url)

    async def go():
        pipeline = pipeline_for(url)
        first = await pipeline.execute("CLIENT", "ID")
        assert admin.client_kill_filter(_id=first) == 1
        await asyncio.sleep(0.1)  # the pipeline's reader sees the connection closed
        second = await pipeline.execute("CLIENT", "ID")
        pong = await pipeline.execute("PING")
        await pipeline.close()
        return first, second, pong

    first, second, pong = asyncio.run(go())
    admin.close()
    assert second != first
    assert pong == b"PONG"


def test_an_unreachable_redis_raises_connection_error():
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]

    async def go():
        return await pipeline_for(f"redis://127.0.0.1:{port}/0").execute("PING")

    with pytest.raises(RedisConnectionError):
        asyncio.run(go())


def test_a_subscription_redis_refuses_leaves_the_others_working(caplog):
    """The layer reads its subscription connection itself (sockets/layers.py): a SUBSCRIBE that
    Redis answers with an error (here an ACL that allows only some channels) is logged, and the
    messages of the other subscriptions keep coming on that connection."""
    from sockets.layers import RedisLayer
    from tests.servers import RedisProcess

    private = RedisProcess().start()
    try:
        admin = redis.Redis(port=private.port)
        admin.execute_command("ACL", "SETUSER", "limited", "on", ">secret", "+@all", "~*",
                              "resetchannels", "&allowedspecific.*", "&allowed__group__ok")
        admin.close()

        async def go():
            layer = RedisLayer(hosts=[f"redis://limited:secret@127.0.0.1:{private.port}/0"], prefix="allowed")
            me = await layer.new_channel()
            await layer.group_add("refused", me)
            await layer.group_add("ok", me)
            await layer.group_send("ok", {"type": "first"})
            first = await asyncio.wait_for(layer.receive(me), 5)
            await layer.send(me, {"type": "second"})
            second = await asyncio.wait_for(layer.receive(me), 5)
            await layer.flush()
            return first, second

        with caplog.at_level("WARNING", logger="sockets.layers"):
            first, second = asyncio.run(go())
    finally:
        private.stop()
    assert (first["type"], second["type"]) == ("first", "second")
    assert any("refused a subscription command" in record.getMessage() and "NOPERM" in record.getMessage()
               for record in caplog.records)


def test_a_cut_subscription_connection_comes_back_with_exactly_the_groups_still_joined():
    """The layer writes its SUBSCRIBEs and UNSUBSCRIBEs itself and keeps redis-py's record of
    them (sockets/layers.py): when Redis cuts the subscription connection, the reconnect
    subscribes again to the groups still joined — one left and joined again included — and not
    to the group left; their messages arrive, the left group's does not."""
    from sockets.layers import RedisLayer
    from tests.servers import RedisProcess

    private = RedisProcess().start()
    admin = redis.Redis(port=private.port)
    try:

        async def subscribed():
            return sorted(channel.decode() for channel in admin.pubsub_channels("resub__group__*"))

        async def until(channels):
            for _ in range(100):
                if await subscribed() == channels:
                    return
                await asyncio.sleep(0.05)
            raise AssertionError(f"subscribed to {await subscribed()}, not {channels}")

        async def go():
            layer = RedisLayer(hosts=[private.url], prefix="resub")
            me = await layer.new_channel()
            for group in ("kept", "left", "rejoined"):
                await layer.group_add(group, me)
            await layer.group_discard("left", me)
            await layer.group_discard("rejoined", me)
            await layer.group_add("rejoined", me)
            wanted = ["resub__group__kept", "resub__group__rejoined"]
            await until(wanted)
            assert admin.client_kill_filter(_type="pubsub") == 1
            await until([])
            await until(wanted)  # the layer's reader reopened the connection and subscribed again
            for group in ("left", "kept", "rejoined"):
                await layer.group_send(group, {"type": group})
            received = [(await asyncio.wait_for(layer.receive(me), 5))["type"] for _ in range(2)]
            await layer.send(me, {"type": "last"})  # after anything "left" could have brought
            received.append((await asyncio.wait_for(layer.receive(me), 5))["type"])
            await layer.flush()
            return received

        assert asyncio.run(go()) == ["kept", "rejoined", "last"]
    finally:
        admin.close()
        private.stop()
