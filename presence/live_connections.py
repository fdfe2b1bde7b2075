"""Which identified connections each player has, across every server process (docs/differences.md row 2:
a player goes offline when its last identified connection closes, on any process).

With Redis (`REDIS_CACHE_URL`, by default `REDIS_URL`), each player has a Redis hash `<prefix>:presence:<player id>` mapping the
connection ids that identified as one of its aliases to an expiry time. Each server process
refreshes the entries of its own open connections every `PRESENCE_TTL / 3` seconds — recreating
any that were lost with a restarted Redis — so the entries of a process that died vanish within
`PRESENCE_TTL` and the presence sweep sets those players offline. Without Redis there is one server process, and the registry is that process's memory,
with the same expiry.

The callers hold the player's presence row lock around every removal here and the offline write
that follows it, so "count reached zero" and "write offline" cannot interleave with another
connection identifying; an identify adds its connection before it writes online (under that lock),
so it is either counted or written last (presence/services.py).
"""

import threading
import time
from functools import cache

from django.conf import settings

from sockets import redis_clients
from talo_project.cache import command

# The hash outlives its entries so that a sweep can tell "had connections that died" from "never
# had one" (a presence set online over REST only).
HASH_TTL_SECONDS = 24 * 3600

# KEYS[1] the hash; ARGV[1] a connection id, ARGV[2] its expiry, ARGV[3] the hash's TTL. One
# command on the identify path (a MULTI/EXEC pipeline was four, and redis-py's Python cost of each
# is more than Redis takes to run them).
_ADD = """
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
"""

# KEYS[1] the hash; ARGV[1] a connection id to remove ("" for none), ARGV[2] now.
# Returns {live entries, expired entries dropped}.
_REMOVE_AND_COUNT = """
if ARGV[1] ~= '' then redis.call('HDEL', KEYS[1], ARGV[1]) end
local now = tonumber(ARGV[2])
local entries = redis.call('HGETALL', KEYS[1])
local live, dead = 0, 0
for i = 1, #entries, 2 do
  if tonumber(entries[i + 1]) > now then
    live = live + 1
  else
    dead = dead + 1
    redis.call('HDEL', KEYS[1], entries[i])
  end
end
return {live, dead}
"""



def ttl():
    return settings.TALO_SOCKET["PRESENCE_TTL"]


class RedisRegistry:
    def __init__(self, url, prefix):
        self.client = redis_clients.client(url)
        self.prefix = prefix
        self.remove_and_count = self.client.register_script(_REMOVE_AND_COUNT)

    def _key(self, player_id):
        return f"{self.prefix}:presence:{player_id}"

    # An identify's add and a close's remove are one command each on a connection of the pool
    # (talo_project/cache.py `command`): redis-py's client around them cost ~25 % of their CPU.
    def add(self, player_id, connection_id):
        command(self.client.connection_pool, "EVAL", _ADD, 1, self._key(player_id), connection_id, time.time() + ttl(), HASH_TTL_SECONDS)

    def remove(self, player_id, connection_id):
        """Forget the connection; returns how many live connections the player still has."""
        live, _ = command(self.client.connection_pool, "EVAL", _REMOVE_AND_COUNT, 1, self._key(player_id), connection_id, time.time())
        return live

    def status(self, player_id):
        """(live connections, whether connections expired without being removed)."""
        return self.statuses([player_id])[0]

    def statuses(self, player_ids):
        now = time.time()
        pipe = self.client.pipeline(transaction=False)
        for player_id in player_ids:
            self.remove_and_count(keys=[self._key(player_id)], args=["", now], client=pipe)
        return [(live, dead > 0) for live, dead in pipe.execute()]

    def claim_sweep(self, seconds):
        """True for the one process that sweeps in this period (the sweep is idempotent; this
        only saves the others the work)."""
        # Keyed by the period too: processes configured alike share one sweeper per period, and
        # a process with a shorter TTL is never held back by one with a longer period.
        period_ms = max(1, int(seconds * 1000))
        return bool(self.client.set(f"{self.prefix}:presence-sweep:{period_ms}", "1", nx=True, px=period_ms))

    def refresh(self, entries):
        """Set the entries of live connections, recreating any that were lost (a Redis restart
        empties the registry while the sockets stay open). The caller passes open connections only
        (presence.services.refresh_live_connections); one that closes while this runs can come back
        for at most PRESENCE_TTL, when it expires like a dead process's."""
        expiry = time.time() + ttl()
        pipe = self.client.pipeline(transaction=False)
        for player_id, connection_id in entries:
            pipe.hset(self._key(player_id), connection_id, expiry)
            pipe.expire(self._key(player_id), HASH_TTL_SECONDS)
        pipe.execute()


class LocalRegistry:
    """The single server process's registry, with the same expiry rules as Redis: an entry whose
    clean-up never ran (a cancelled task) expires like a crashed process's would."""

    def __init__(self):
        self.connections = {}  # player id -> {connection id: expiry}
        self.lock = threading.Lock()

    def add(self, player_id, connection_id):
        with self.lock:
            self.connections.setdefault(player_id, {})[connection_id] = time.time() + ttl()

    def _prune(self, player_id):
        """(live entries, whether expired ones were dropped); the caller holds the lock."""
        entries = self.connections.get(player_id, {})
        now = time.time()
        dead = [connection_id for connection_id, expiry in entries.items() if expiry <= now]
        for connection_id in dead:
            del entries[connection_id]
        if not entries:
            self.connections.pop(player_id, None)
        return len(entries), bool(dead)

    def remove(self, player_id, connection_id):
        with self.lock:
            self.connections.get(player_id, {}).pop(connection_id, None)
            return self._prune(player_id)[0]

    def status(self, player_id):
        with self.lock:
            return self._prune(player_id)

    def statuses(self, player_ids):
        return [self.status(player_id) for player_id in player_ids]

    def claim_sweep(self, seconds):
        return True

    def refresh(self, entries):
        expiry = time.time() + ttl()
        with self.lock:
            for player_id, connection_id in entries:
                self.connections.setdefault(player_id, {})[connection_id] = expiry


@cache
def registry():
    if settings.REDIS_CACHE_URL:
        prefix = settings.CACHES["default"].get("KEY_PREFIX", "talo")
        return RedisRegistry(settings.REDIS_CACHE_URL, prefix)
    return LocalRegistry()
