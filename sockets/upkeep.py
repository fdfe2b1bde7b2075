"""Database work no client waits for, off the request path.

The presence clean-up of closed connections and the sweep of a dead process's players run on
threads of their own: a backlog of it — 10,000 sockets closing at once, a crashed process's
10,000 players — must not queue ahead of the connects, identifies and requests waiting on
the socket workers (sockets/workers.py) and Channels' database thread. Two threads, so that one
clean-up's database round trips overlap another's; each clean-up locks the rows it changes (a
player's presence), so their order does not matter."""

from concurrent.futures import ThreadPoolExecutor

from sockets.workers import run_on

_upkeep_threads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="talo-upkeep")


async def run_upkeep(function, *args, **kwargs):
    return await run_on(_upkeep_threads, function, *args, **kwargs)
