"""sockets.layers.RedisLayer on a real Redis: publishes from many coroutines at once go out
pipelined, and every message still arrives once, unchanged, each publisher's in the order it
published them; a publish to an unreachable Redis fails its caller instead of hanging it."""

import asyncio
import os
import uuid

import pytest

from sockets.layers import RedisLayer
from tests.servers import free_port

pytestmark = pytest.mark.redis

PUBLISHERS = 40
EACH = 25


def message(publisher, sequence):
    return {"type": "frame", "publisher": publisher, "sequence": sequence, "text": "é" * publisher}


def test_concurrent_publishes_all_arrive_once_in_each_publishers_order():
    async def go():
        layer = RedisLayer(hosts=[os.environ["REDIS_URL"]], prefix=f"layer-test-{uuid.uuid4().hex}")
        try:
            channel = await layer.new_channel()
            await layer.group_add("room", channel)

            async def publisher(number):
                # Half one after another, half all at once (started in order: they queue in order).
                for sequence in range(EACH // 2):
                    await layer.group_send("room", message(number, sequence))
                await asyncio.gather(*(layer.group_send("room", message(number, sequence)) for sequence in range(EACH // 2, EACH)))

            await asyncio.gather(*(publisher(number) for number in range(PUBLISHERS)))
            received = [await asyncio.wait_for(layer.receive(channel), 5) for _ in range(PUBLISHERS * EACH)]
            with pytest.raises(asyncio.TimeoutError):  # and nothing more
                await asyncio.wait_for(layer.receive(channel), 0.5)
            return received
        finally:
            await layer.flush()

    received = asyncio.run(go())
    for number in range(PUBLISHERS):
        mine = [received_message for received_message in received if received_message["publisher"] == number]
        assert mine == [message(number, sequence) for sequence in range(EACH)]


def test_a_publish_to_an_unreachable_redis_fails_every_waiting_caller():
    async def go():
        layer = RedisLayer(hosts=[f"redis://127.0.0.1:{free_port()}/0"], prefix="layer-test-down")
        return await asyncio.wait_for(
            asyncio.gather(*(layer.group_send("room", {"type": "frame", "n": n}) for n in range(20)), return_exceptions=True),
            30,
        )

    results = asyncio.run(go())
    assert len(results) == 20
    assert all(isinstance(result, Exception) for result in results), results
