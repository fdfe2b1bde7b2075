"""Database work no client waits for, off the request path.

The presence clean-up of closed connections and the sweep of a dead process's players run on a
thread of their own: a backlog of it — 10,000 sockets closing at once, a crashed process's
10,000 players — must not queue ahead of the connects, identifies and requests waiting on
Channels' database thread. One thread: the backlog is worked off in order."""

from concurrent.futures import ThreadPoolExecutor

from channels.db import database_sync_to_async

_upkeep_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="talo-upkeep")


async def run_upkeep(function, *args, **kwargs):
    upkeep = database_sync_to_async(function, thread_sensitive=False, executor=_upkeep_thread)
    return await upkeep(*args, **kwargs)
