"""The embedded, in-process channel layer.

Channels' InMemoryChannelLayer scans every channel and group on each receive (O(N) per message),
drops a group membership after a day, drops messages once a queue holds 100 and deep-copies each
message. With one hub per process as the only member of every group (docs/architecture.md), what is needed
is much less: a queue per channel and a set per group, nothing expiring."""

import asyncio
import random
import string

from channels.layers import BaseChannelLayer


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
