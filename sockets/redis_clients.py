"""How every Redis client of the server connects: the channel layer's (sockets/layers.py), the
cache's (talo_project/cache.py), the presence registry's, the channel history's and the
live-connection snapshots'."""

import redis
import redis.asyncio

# redis-py's default announces every new connection with CLIENT SETINFO (two more commands before
# the first) and reads its own version from the installed package's metadata each time to do it:
# a connection costs ~0.8 ms of CPU with it, ~0.1 ms without. A process opens a hundred or more as
# its pools grow in its first reconnect storm (docs/architecture.md, "One connection").
OPTIONS = {"driver_info": None}


def client(url):
    """A redis-py client of the Redis at `url`."""
    return redis.Redis.from_url(url, **OPTIONS)


def async_client(url):
    """A redis-py asyncio client of the Redis at `url`."""
    return redis.asyncio.Redis.from_url(url, **OPTIONS)
