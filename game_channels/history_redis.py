"""Channel history in Redis (docs/extensions.md §X1.5): what every server process on one Redis
shares.

Per channel, a stream `<prefix>:history:{<id>}` whose entry ids are `<offset>-0` (fields `t`, the
time it was sent in ms, and `r`, the record with its offset, as a reply sends it) and a hash `<prefix>:history:{<id>}:meta` with the
epoch and the newest offset (the braces keep both in one Redis Cluster slot). An append is one
script: the offset, the append, the size trim and both keys' expiry in one atomic step, one round
trip. A read is one script too: it creates the epoch of a channel without history (so an epoch
once handed out stays), cuts messages past the TTL from the head, and answers the page as one
text (joined in Redis: a hundred entries parsed by the client would cost more than the rest of
the request).

A key lives for the TTL after the channel's last append: when the last message expires, the whole
history goes with it, and the next append or read starts a new epoch.
"""

import asyncio
import time
from typing import NamedTuple

from redis.exceptions import NoScriptError

from game_channels.history_store import DEFAULT_LIMIT, Window, bounded_after, new_epoch
from sockets import redis_clients
from sockets.pipelining import CommandPipeline

# KEYS: the stream, the meta hash. ARGV: the record, now (ms), size, TTL (ms), a new epoch (used
# when the channel has none). Returns {offset, epoch}.
_APPEND_STEPS = """
local epoch = redis.call('HGET', KEYS[2], 'epoch')
if not epoch then
  epoch = ARGV[5]
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[2], 'epoch', epoch)
end
local offset = redis.call('HINCRBY', KEYS[2], 'latest', 1)
local text = '{"offset":' .. offset .. ',' .. string.sub(ARGV[1], 2)
redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[3], offset .. '-0', 't', ARGV[2], 'r', text)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
"""
_APPEND = _APPEND_STEPS + "return {offset, epoch}"
# The same, then ARGV[6] and ARGV[7] (a sockets.layers.Publication's channel and payload) published
# with one more msgpack string appended: the event's fill, game_channels.history.offset_fill's text.
_APPEND_AND_PUBLISH = _APPEND_STEPS + """
redis.call('PUBLISH', ARGV[6], ARGV[7] .. cmsgpack.pack(',"offset":' .. offset .. ',"epoch":"' .. epoch .. '"'))
return {offset, epoch}
"""

# KEYS: the stream, the meta hash. ARGV: the first offset wanted ('' for the newest page), '=' and
# the client's epoch ('' for none), limit, now (ms), TTL (ms), a new epoch. Returns {epoch, latest,
# oldest held (latest + 1 if none), stale (1 when the client's epoch is not current), the page:
# the entries' texts, oldest first, joined with commas}.
_READ = """
local epoch = redis.call('HGET', KEYS[2], 'epoch')
if not epoch then
  epoch = ARGV[6]
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[2], 'epoch', epoch, 'latest', 0)
  redis.call('PEXPIRE', KEYS[2], ARGV[5])
end
local latest = tonumber(redis.call('HGET', KEYS[2], 'latest'))
local cutoff = tonumber(ARGV[4]) - tonumber(ARGV[5])
local head = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)[1]
if head and tonumber(head[2][2]) <= cutoff then
  local kept = nil
  for _, entry in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do
    if tonumber(entry[2][2]) > cutoff then
      kept = entry[1]
      break
    end
  end
  if kept then
    redis.call('XTRIM', KEYS[1], 'MINID', kept)
  else
    redis.call('DEL', KEYS[1])
  end
  head = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)[1]
end
local oldest = latest + 1
if head then
  oldest = tonumber(string.match(head[1], '^%d+'))
end
local stale = 0
if ARGV[2] ~= '' and ARGV[2] ~= '=' .. epoch then
  stale = 1
end
local texts = {}
if ARGV[1] == '' or stale == 1 then
  local entries = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', ARGV[3])
  for i = #entries, 1, -1 do
    texts[#texts + 1] = entries[i][2][4]
  end
else
  for _, entry in ipairs(redis.call('XRANGE', KEYS[1], ARGV[1], '+', 'COUNT', ARGV[3])) do
    texts[#texts + 1] = entry[2][4]
  end
end
return {epoch, latest, oldest, stale, table.concat(texts, ',')}
"""


class _LoopScripts(NamedTuple):
    append: object
    append_and_publish: object
    read: object
    pipeline: CommandPipeline


class RedisHistory:
    enabled = True

    def __init__(self, url, prefix, size, ttl):
        self.url = url
        self.prefix = prefix
        self.size = size
        self.ttl_ms = ttl * 1000
        self.client = redis_clients.client(url)
        self._read = self.client.register_script(_READ)
        self._loop = None
        self._async = None

    def _keys(self, channel_id):
        stream = f"{self.prefix}:history:{{{channel_id}}}"
        return [stream, stream + ":meta"]

    def _scripts(self):
        """The scripts of the running loop (a server process has one) and the pipeline its
        appends share (sockets/pipelining.py: a busy channel's appends go out together)."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            client = redis_clients.async_client(self.url)
            self._async = _LoopScripts(
                client.register_script(_APPEND), client.register_script(_APPEND_AND_PUBLISH),
                client.register_script(_READ), CommandPipeline(lambda: client),
            )
            self._loop = loop
        return self._async

    async def append(self, channel_id, record, publication=None):
        scripts = self._scripts()
        keys = self._keys(channel_id)
        args = [record, int(time.time() * 1000), self.size, self.ttl_ms, new_epoch()]
        publish = publication is not None and publication.server == scripts.pipeline.server
        if publish:
            script, args = scripts.append_and_publish, [*args, publication.channel, publication.payload]
        else:
            script = scripts.append
        try:
            offset, epoch = await scripts.pipeline.execute("EVALSHA", script.sha, len(keys), *keys, *args)
        except NoScriptError:  # a Redis that has not seen it (restarted, flushed): load and run it
            offset, epoch = await script(keys=keys, args=args)
        return offset, epoch.decode(), publish

    def _read_args(self, after, epoch, limit):
        after = bounded_after(after)
        epoch = "" if epoch is None else "=" + epoch
        return ["" if after is None else after + 1, epoch, limit, int(time.time() * 1000), self.ttl_ms, new_epoch()]

    def read(self, channel_id, *, after=None, epoch=None, limit=DEFAULT_LIMIT):
        return _window(self._read(keys=self._keys(channel_id), args=self._read_args(after, epoch, limit)))

    async def aread(self, channel_id, *, after=None, epoch=None, limit=DEFAULT_LIMIT):
        return _window(await self._scripts().read(keys=self._keys(channel_id), args=self._read_args(after, epoch, limit)))

    def delete(self, channel_id):
        self.client.delete(*self._keys(channel_id))


def _window(reply):
    epoch, latest, oldest, stale, page = reply
    return Window(epoch.decode(), latest, oldest, page.decode(), bool(stale))
