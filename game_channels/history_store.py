"""The history stores' shared parts (docs/extensions.md §X1): the `Window` a read answers, the
embedded store and the store for history turned off. The Redis store is
game_channels/history_redis.py; game_channels/history.py chooses one.

Within an epoch, offsets run 1, 2, 3, … without gaps, and retention only drops the oldest
messages, so what a store holds is always the run `oldest … latest`: whether a read is complete
follows from `oldest` alone. A channel's epoch lives as long as its newest message (the TTL after
the last append, or after the first read of a channel without history): when the history is gone
— retention expired all of it, the store was emptied or restarted — the next append or read
starts a new epoch at offset 1."""

import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from itertools import islice

from sockets import wire

DEFAULT_LIMIT = 50
# A larger `after` than any store can reach is this one (Lua's numbers are doubles).
MAX_OFFSET = 2**53 - 1
# The epoch answered when history is off (`TALO_CHANNEL_HISTORY_SIZE=0`): never a real epoch,
# which is hex.
OFF_EPOCH = "off"


def new_epoch():
    return secrets.token_hex(6)


def bounded_after(after):
    return None if after is None else min(after, MAX_OFFSET)


def numbered(offset, record):
    """What a store keeps: the record `{"message":…}` as the reply's message object, its offset
    first (docs/extensions.md §X1.3), so that a read only joins stored texts."""
    return f'{{"offset":{offset},{record[1:]}'


@dataclass(frozen=True)
class Window:
    """What a read found: the current `epoch`; the run of offsets `oldest … latest` held (`oldest`
    is `latest + 1` when nothing is held); `page`, the messages asked for, oldest first, as the
    JSON text of the reply's `messages` array without its brackets; `stale`: the client's epoch
    was not current (or history is off), so nothing it knew can be trusted."""

    epoch: str
    latest: int
    oldest: int
    page: str
    stale: bool = False

    def complete(self, after):
        """docs/extensions.md §X1.3: nothing the client asked about is gone for good."""
        if self.stale:
            return False
        if after is None:
            return self.oldest <= 1
        return after >= self.oldest - 1

    def latest_held(self):
        return self.latest if self.oldest <= self.latest else 0

    def messages(self):
        """The page as dicts (the admin's view); replies use `reply_data` instead."""
        return wire.loads(f"[{self.page}]")


class _Channel:
    __slots__ = ("epoch", "latest", "entries", "expires")

    def __init__(self, size, expires):
        self.epoch = new_epoch()
        self.latest = 0
        self.entries = deque(maxlen=size)  # (offset, sent at, numbered record), oldest first
        self.expires = expires


class MemoryHistory:
    """The server process's memory, with Redis's rules (size, TTL, epochs). Socket handlers run
    on the event loop and REST views and admin in threads: one lock, held briefly."""

    enabled = True

    def __init__(self, size, ttl, clock=time.time):
        self.size = size
        self.ttl = ttl
        self.clock = clock
        self.channels = {}
        self.lock = threading.Lock()
        self._next_sweep = 0

    def _channel(self, channel_id, now):
        """The channel's live history, a new epoch when its history expired (the caller holds
        the lock)."""
        channel = self.channels.get(channel_id)
        if channel is None or channel.expires <= now:
            channel = self.channels[channel_id] = _Channel(self.size, now + self.ttl)
        cutoff = now - self.ttl
        entries = channel.entries
        while entries and entries[0][1] <= cutoff:
            entries.popleft()
        return channel

    async def append(self, channel_id, record, publication=None):
        with self.lock:
            now = self.clock()
            channel = self._channel(channel_id, now)
            channel.latest += 1
            channel.entries.append((channel.latest, now, numbered(channel.latest, record)))
            channel.expires = now + self.ttl
            if now >= self._next_sweep:
                self._sweep(now)
            return channel.latest, channel.epoch, False

    def _sweep(self, now):
        """Drop the channels whose history expired, so memory follows the live channels."""
        self.channels = {key: channel for key, channel in self.channels.items() if channel.expires > now}
        self._next_sweep = now + min(self.ttl, 60)

    def read(self, channel_id, *, after=None, epoch=None, limit=DEFAULT_LIMIT):
        after = bounded_after(after)
        with self.lock:
            channel = self._channel(channel_id, self.clock())
            entries = channel.entries
            oldest = entries[0][0] if entries else channel.latest + 1
            stale = epoch is not None and epoch != channel.epoch
            if after is None or stale:
                page = islice(entries, max(0, len(entries) - limit), None)
            else:
                start = max(0, after + 1 - oldest)
                page = islice(entries, start, start + limit) if start < len(entries) else ()
            return Window(channel.epoch, channel.latest, oldest, ",".join(text for _, _, text in page), stale)

    async def aread(self, channel_id, **query):
        return self.read(channel_id, **query)

    def delete(self, channel_id):
        with self.lock:
            self.channels.pop(channel_id, None)


class NoHistory:
    """`TALO_CHANNEL_HISTORY_SIZE=0`: nothing is kept, frames carry no offsets, and every read is
    empty and incomplete (docs/extensions.md §X1.5)."""

    enabled = False

    def read(self, channel_id, **query):
        return Window(OFF_EPOCH, 0, 1, "", stale=True)

    async def aread(self, channel_id, **query):
        return self.read(channel_id)

    def delete(self, channel_id):
        pass


