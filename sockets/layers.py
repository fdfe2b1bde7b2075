"""The channel layers: Redis pub/sub with pipelined publishing, and the embedded in-process one.

RedisLayer is channels_redis' pub/sub layer with one change: channels_redis publishes each message
in a round trip of its own, taken in turn under the lock its subscribes and unsubscribes also
take. Here a group's publishes go through a CommandPipeline per Redis server (sockets/pipelining.py):
under load they go out together, one write for many. What each caller awaits (its publish done,
or its error) and the order of the publishes are unchanged.

Channels' InMemoryChannelLayer scans every channel and group on each receive (O(N) per message),
drops a group membership after a day, drops messages once a queue holds 100 and deep-copies each
message. With one hub per process as the only member of every group (docs/architecture.md), what is needed
is much less: a queue per channel and a set per group, nothing expiring."""

import asyncio
import random
import string

from channels.layers import BaseChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer

from sockets.pipelining import CommandPipeline


class RedisLayer(RedisPubSubChannelLayer):
    async def group_send(self, group, message):
        layer = self._get_layer()  # channels_redis' per-event-loop layer, with its shards
        channel = layer._get_group_channel_name(group)
        shard = layer._get_shard(channel)
        pipeline = getattr(shard, "publishes", None)
        if pipeline is None:
            pipeline = shard.publishes = CommandPipeline(lambda: _client(shard))
        await pipeline.execute("PUBLISH", channel, self.serialize(message))


def _client(shard):
    shard._ensure_redis()  # after a flush() too
    return shard._redis


class LocalChannelLayer(BaseChannelLayer):
    extensions = ["groups", "flush"]

    def __init__(self, **kwargs):
        super().__init__(expiry=60, capacity=0)
        self.queues = {}
        self.groups = {}

    def _queue(self, channel):
        queue = self.queues.get(channel)
        if queue is None:
            queue = self.queues[channel] = asyncio.Queue()
        return queue

    async def new_channel(self, prefix="specific."):
        return prefix + "local!" + "".join(random.choices(string.ascii_letters, k=12))

    async def send(self, channel, message):
        self._queue(channel).put_nowait(message)

    async def receive(self, channel):
        return await self._queue(channel).get()

    async def group_add(self, group, channel):
        self.groups.setdefault(group, set()).add(channel)

    async def group_discard(self, group, channel):
        members = self.groups.get(group)
        if members is not None:
            members.discard(channel)
            if not members:
                del self.groups[group]

    async def group_send(self, group, message):
        for channel in self.groups.get(group, ()):
            self._queue(channel).put_nowait(message)

    async def flush(self):
        self.queues.clear()
        self.groups.clear()
