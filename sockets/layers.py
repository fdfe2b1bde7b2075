"""The channel layers: Redis pub/sub with pipelined publishing, and the embedded in-process one.

RedisLayer is channels_redis' pub/sub layer with one change. channels_redis publishes each
message in a round trip of its own, taken in turn under the lock its subscribes and unsubscribes
also take, on a connection taken from the pool and checked for unread data first. Under load — a
reconnect storm publishes a presence change per identify, a busy channel publishes every message —
that is most of a publish's cost. Here the publishes that arrive while one batch is on the wire
go out together as the next, in one pipeline: one write and one read of the replies for all of
them. An idle server sends each at once, as before; the order of one publisher's messages and
what each caller awaits (its publish done, or its error) are unchanged.

Channels' InMemoryChannelLayer scans every channel and group on each receive (O(N) per message),
drops a group membership after a day, drops messages once a queue holds 100 and deep-copies each
message. With one hub per process as the only member of every group (docs/architecture.md), what is needed
is much less: a queue per channel and a set per group, nothing expiring."""

import asyncio
import random
import string

from channels.layers import BaseChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer


class RedisLayer(RedisPubSubChannelLayer):
    async def group_send(self, group, message):
        layer = self._get_layer()  # channels_redis' per-event-loop layer, with its shards
        channel = layer._get_group_channel_name(group)
        shard = layer._get_shard(channel)
        publisher = getattr(shard, "pipelined_publisher", None)
        if publisher is None:
            publisher = shard.pipelined_publisher = PipelinedPublisher(shard)
        await publisher.publish(channel, self.serialize(message))


class PipelinedPublisher:
    """PUBLISHes to one Redis server (a channels_redis shard, whose client it uses). With nothing
    on the wire a publish goes out at once, on its own; those that arrive meanwhile wait and go
    out together in one pipeline when it is done, and so on."""

    def __init__(self, shard):
        self._shard = shard
        self._waiting = []
        self._busy = False

    async def publish(self, channel, payload):
        if self._busy:
            done = asyncio.get_running_loop().create_future()
            self._waiting.append((channel, payload, done))
            await done
            return
        self._busy = True
        try:
            self._shard._ensure_redis()  # after a flush() too
            await self._shard._redis.publish(channel, payload)
        finally:
            if self._waiting:
                asyncio.ensure_future(self._send_waiting())
            else:
                self._busy = False

    async def _send_waiting(self):
        batch = []
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                self._shard._ensure_redis()
                pipe = self._shard._redis.pipeline(transaction=False)
                for channel, payload, _ in batch:
                    pipe.publish(channel, payload)
                try:
                    await pipe.execute()
                except Exception as error:
                    _settle(batch, error)
                else:
                    _settle(batch, None)
                batch = []
        except BaseException as error:  # cancelled with the loop: nobody waits forever
            _settle(batch + self._waiting, error if isinstance(error, Exception) else RuntimeError("publisher stopped"))
            self._waiting = []
            raise
        finally:
            self._busy = False


def _settle(batch, error):
    for _, _, done in batch:
        if not done.done():
            if error is None:
                done.set_result(None)
            else:
                done.set_exception(error)


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
