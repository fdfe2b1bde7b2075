"""Channel history (docs/extensions.md §X1): per-channel offsets, a bounded message history and
the reads that let a client resume.

One interface, three stores, chosen once per process by `store()`:

- `RedisHistory` (game_channels/history_redis.py) with Redis (`REDIS_CACHE_URL`, by default
  `REDIS_URL`): every process shares it;
- `MemoryHistory` (game_channels/history_store.py), the embedded default: the process's memory;
- `NoHistory` when `TALO_CHANNEL_HISTORY_SIZE` is 0: no offsets, empty incomplete reads.

A store's `await append(channel_id, record, publication)` gives the message its offset and keeps
it in one atomic step and answers (offset, epoch, published): with `publication` (a
sockets.layers.Publication of the message's event) the Redis store publishes the event in that
same step when the channel layer's server for it is the store's own (published is then True), one
round trip for both; `read(channel_id, after=, epoch=, limit=)` (and `await
aread(…)`) answers a `Window`; `delete(channel_id)` forgets the channel. A record is the JSON text
`{"message":…,"playerAlias":…,"sentAt":…}`; a store keeps it with its offset spliced in, as the
reply will send it, and a read answers the page as one text: nothing on the way parses or
re-serialises a message.
"""

from datetime import datetime, timezone
from functools import cache

from django.conf import settings

from game_channels.history_redis import RedisHistory
from game_channels.history_store import DEFAULT_LIMIT, MemoryHistory, NoHistory  # noqa: F401
from players.serializers import format_date
from sockets import wire

RES_HISTORY = "v1.channels.history"
OFFSETS_OPTION = "offsets"  # the socket URL's `offsets=1` (docs/extensions.md §X1.1)
MAX_LIMIT = 100


@cache
def store():
    config = settings.TALO_CHANNEL_HISTORY
    size, ttl = config["SIZE"], max(1, config["TTL"])
    if size <= 0:
        return NoHistory()
    if settings.REDIS_CACHE_URL:
        return RedisHistory(settings.REDIS_CACHE_URL, settings.CACHES["default"].get("KEY_PREFIX", "talo"), size, ttl)
    return MemoryHistory(size, ttl)


def record(message, alias_data):
    """The stored form of one message, sent now by `alias_data`."""
    sent_at = format_date(datetime.now(timezone.utc))
    return wire.dumps({"message": message, "playerAlias": alias_data, "sentAt": sent_at})


# Where the offset goes in `v1.channels.message`'s text: before the `data` object's and the
# frame's closing braces.
OFFSET_GAP = -2


def with_offset(text, offset, epoch):
    """`v1.channels.message`'s text with `offset` and `epoch` after Talo's keys (docs/extensions.md
    §X1.1)."""
    return text[:OFFSET_GAP] + offset_fill(offset, epoch) + text[OFFSET_GAP:]


def offset_fill(offset, epoch):
    """What goes in the gap (the Redis store's append script writes the same). An epoch is ours
    and needs no escaping."""
    return f',"offset":{offset},"epoch":"{epoch}"'


def reply_data(channel, window, after):
    """The `data` object of docs/extensions.md §X1.3 (and the REST body of §X1.4) as JSON text.
    `channel` is the plain channel object; `after` is the request's (None when absent)."""
    return (
        f'{{"channel":{wire.dumps(channel)},"messages":[{window.page}],"epoch":{wire.dumps(window.epoch)},'
        f'"latestOffset":{window.latest_held()},"complete":{"true" if window.complete(after) else "false"}}}'
    )


def reply_frame(channel, window, after):
    return f'{{"res":"{RES_HISTORY}","data":{reply_data(channel, window, after)}}}'
