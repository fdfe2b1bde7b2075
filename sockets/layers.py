"""The channel layers: Redis pub/sub with pipelined publishing, and the embedded in-process one.

RedisLayer is channels_redis' pub/sub layer with four changes:
- channels_redis publishes each message in a round trip of its own, taken in turn under the lock
  its subscribes and unsubscribes also take. Here a group's publishes go through a CommandPipeline
  per Redis server (sockets/pipelining.py): one connection, under load many publishes in one
  write. What each caller awaits (its publish done, or its error) and the order of the publishes
  are unchanged.
- a Redis script can publish an event itself (`publication`): the channel history's append
  publishes the message it keeps in the same step (game_channels/history_redis.py), and may
  append one more msgpack value to the payload, the event's `fill` (`deserialize`).
- channels_redis reads its subscriptions by asking redis-py for a message with a 0.1 s timeout,
  over and over: ten wake-ups a second per Redis server with nothing to read, and a timeout armed
  and cancelled around every message read. Here the connection's stream is read until something
  comes, and a message is parsed and queued without redis-py's per-message machinery.
- a group's SUBSCRIBE and UNSUBSCRIBE (one per identify and per close, for the alias's group) are
  written to the subscription connection directly, not through redis-py's per-command timeout
  and retry: ~130 us of CPU per pair, 25 with this.

Channels' InMemoryChannelLayer scans every channel and group on each receive (O(N) per message),
drops a group membership after a day, drops messages once a queue holds 100 and deep-copies each
message. With one hub per process as the only member of every group (docs/architecture.md), what is needed
is much less: a queue per channel and a set per group, nothing expiring."""

import asyncio
import logging
import random
import string
from typing import NamedTuple

import hiredis
import msgpack
from channels.layers import BaseChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer, RedisPubSubLoopLayer, RedisSingleShardConnection
from channels_redis.serializers import MsgPackSerializer
from channels_redis.utils import _wrap_close, decode_hosts
from redis.exceptions import ConnectionError as RedisConnectionError

from sockets import redis_clients
from sockets.pipelining import READ_SIZE, CommandPipeline

logger = logging.getLogger(__name__)


class Publication(NamedTuple):
    """What a Redis script needs to publish an event itself: the server it must run on (a
    CommandPipeline's `server`), the pub/sub channel and the serialised event."""

    server: object
    channel: str
    payload: bytes


class RedisLayer(RedisPubSubChannelLayer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        serializer = self._serializer
        # A script can only append to plain msgpack (no encryption, no random prefix).
        self._scriptable = (
            isinstance(serializer, MsgPackSerializer) and serializer.crypter is None and not serializer.random_prefix_length
        )

    def _get_layer(self):
        # channels_redis' per-event-loop layer, built with our shard connections.
        loop = asyncio.get_running_loop()
        layer = self._layers.get(loop)
        if layer is None:
            layer = self._layers[loop] = _LoopLayer(*self._args, **self._kwargs, channel_layer=self)
            _wrap_close(self, loop)
        return layer

    async def group_send(self, group, message):
        layer = self._get_layer()
        channel = layer._get_group_channel_name(group)
        await layer._get_shard(channel).publishes.execute("PUBLISH", channel, self.serialize(message))

    def publication(self, group, message):
        """A Publication of `message` to `group`, or None when a script cannot publish it."""
        if not self._scriptable:
            return None
        layer = self._get_layer()
        channel = layer._get_group_channel_name(group)
        return Publication(layer._get_shard(channel).publishes.server, channel, self.serialize(message))

    def deserialize(self, message):
        try:
            return super().deserialize(message)
        except msgpack.ExtraData as extra:  # a script appended the event's fill (publication)
            event = extra.unpacked
            event["fill"] = msgpack.unpackb(extra.extra)
            return event


class _LoopLayer(RedisPubSubLoopLayer):
    def __init__(self, hosts=None, *args, **kwargs):
        super().__init__(hosts, *args, **kwargs)
        self._shards = [_Shard({**redis_clients.OPTIONS, **host}, self) for host in decode_hosts(hosts)]


class _Shard(RedisSingleShardConnection):
    """One Redis server of the layer: channels_redis' subscriptions, our publishes."""

    def __init__(self, host, channel_layer):
        super().__init__(host, channel_layer)
        self.publishes = CommandPipeline(self._client)

    def _client(self):
        self._ensure_redis()  # after a flush() too
        return self._redis

    async def flush(self):
        await self.publishes.close()
        await super().flush()

    async def subscribe(self, channel):
        async with self._lock:
            if channel not in self._subscribed_to:
                self._ensure_redis()
                self._ensure_receiver()
                await self._send_subscription(b"SUBSCRIBE", channel)
                self._subscribed_to.add(channel)

    async def unsubscribe(self, channel):
        async with self._lock:
            if channel in self._subscribed_to:
                self._ensure_redis()
                self._ensure_receiver()
                await self._send_subscription(b"UNSUBSCRIBE", channel)
                self._subscribed_to.remove(channel)

    async def _send_subscription(self, command, channel):
        """Write a SUBSCRIBE or UNSUBSCRIBE to the subscription connection. redis-py's PubSub
        methods arm a timeout task and a retry around each write (~60 us of CPU; an identify and a
        close each send one). redis-py's record of the subscriptions is kept the way those
        methods keep it, so that a reconnect (redis-py's on_connect) subscribes again to exactly
        the channels wanted; an unsubscribe leaves it at once (nothing here reads redis-py's
        per-channel handlers), so a lost UNSUBSCRIBE is not renewed by a reconnect. A connection
        not open yet, or closed, goes through redis-py, which opens it and subscribes again."""
        pubsub = self._pubsub
        connection = pubsub.connection
        (key,) = pubsub._normalize_keys({channel: None})
        if connection is not None and connection.is_connected:
            if command == b"SUBSCRIBE":
                pubsub.channels[key] = None
            else:
                pubsub.channels.pop(key, None)
            try:
                connection._writer.write(hiredis.pack_command((command, channel)))
                return
            except Exception:  # the connection failed meanwhile: redis-py reopens it
                pass
        if command == b"SUBSCRIBE":
            await pubsub.subscribe(channel)
        else:
            await pubsub.unsubscribe(channel)
            pubsub.channels.pop(key, None)

    async def _do_receiving(self):
        while True:
            try:
                connection = self._pubsub.connection if self._pubsub is not None else None
                if connection is None or not self._pubsub.subscribed:
                    await asyncio.sleep(0.1)
                else:
                    await self._read_subscriptions(connection)
            except (asyncio.CancelledError, GeneratorExit):
                raise
            except Exception:
                logger.exception("channel layer: reading the subscriptions failed; retrying")
                await asyncio.sleep(1)

    async def _read_subscriptions(self, connection):
        """Read the subscription connection until it fails: each published message goes to its
        channel's queue as soon as it is parsed (by hiredis, straight from the connection's stream:
        redis-py's reading of one message costs several times its parsing); the other replies
        (subscribe and unsubscribe confirmations) go through redis-py, which keeps the
        subscription state. A connection found closed is reopened, which subscribes again."""
        if not connection.is_connected:
            await self._pubsub.connect()
        stream = connection._reader
        parser = hiredis.Reader()
        while True:
            data = await stream.read(READ_SIZE)
            if not data:
                if connection._reader is stream:  # not already reopened by a subscribe's retry
                    await connection.disconnect()
                raise RedisConnectionError("Redis closed the subscription connection")
            parser.feed(data)
            while (reply := parser.gets()) is not False:
                if isinstance(reply, list) and reply[0] == b"message":
                    self._receive_message({"channel": reply[1], "data": reply[2]})
                elif isinstance(reply, list) and reply[0] in (b"subscribe", b"unsubscribe"):
                    pass  # confirmations: the record is kept when they are sent (_send_subscription)
                elif isinstance(reply, hiredis.ReplyError):  # a refused (un)subscribe: the rest goes on
                    logger.warning("channel layer: Redis refused a subscription command: %s", reply)
                else:
                    await self._pubsub.handle_message(reply, ignore_subscribe_messages=True)


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
