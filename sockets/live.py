"""Every open connection of every server process, for operators: the admin's live view,
`list_api_keys` and the metrics (docs/architecture.md, "Processes and scale-out").

A process's own connections are read from its hub, on its event loop, as they are now. With Redis
(REDIS_CACHE_URL, REDIS_URL by default), each process also publishes a snapshot of them every
`LIVE_CONNECTIONS_SECONDS` into one Redis hash (`<prefix>:live-connections`, one field per process), so any process — or a
command — sees the others'; a snapshot older than three periods belongs to a process that
stopped and is dropped by the next reader. Without Redis there is one server process, and only
it knows its connections (a command process knows none: `connections()` answers None there)."""

import asyncio
import json
import logging
import os
import socket
import time
from functools import cache

from django.conf import settings

from sockets import redis_clients
from sockets.hub import get_hub, server_loop

logger = logging.getLogger(__name__)

PROCESS = f"{socket.gethostname()}:{os.getpid()}"
SNAPSHOT_TIMEOUT = 5
# Set by the ASGI application module: this process serves sockets (a command process does not).
serving = False


def describe(connection):
    return {
        "id": connection.connection_id,
        "process": PROCESS,
        "key_id": connection.grant.key_id,
        "game_id": connection.grant.game_id,
        "alias_id": connection.alias_id,
        "client_ip": connection.client_ip,
        "connected_at": connection.connected_at,
        "frames_in": connection.frames_in,
        "frames_out": connection.frames_out,
    }


async def local_connections():
    hub = await get_hub()
    return [describe(connection) for connection in list(hub.connections)]


def period():
    return settings.TALO_SOCKET["LIVE_CONNECTIONS_SECONDS"]


@cache
def _redis():
    return redis_clients.client(settings.REDIS_CACHE_URL)


def _hash_key():
    return f"{settings.CACHES['default'].get('KEY_PREFIX', 'talo')}:live-connections"


async def publish_snapshot(hub):
    """A registry.every job (sockets.apps) when Redis is configured."""
    snapshot = json.dumps({"at": time.time(), "connections": [describe(c) for c in list(hub.connections)]})
    await asyncio.to_thread(_redis().hset, _hash_key(), PROCESS, snapshot)


def _other_processes():
    client = _redis()
    now, found = time.time(), []
    for process, raw in client.hgetall(_hash_key()).items():
        process = process.decode()
        snapshot = json.loads(raw)
        if now - snapshot["at"] > 3 * period():
            client.hdel(_hash_key(), process)
        elif process != PROCESS:
            found.extend(snapshot["connections"])
    return found


def connections(game_id=None):
    """Every live connection (dicts of `describe`), or None where they cannot be known (a command
    without Redis). Synchronous: call it from a view or a command, never from the event loop."""
    loop = server_loop()
    found = []
    if loop is not None and loop.is_running():
        found = asyncio.run_coroutine_threadsafe(local_connections(), loop).result(SNAPSHOT_TIMEOUT)
    elif not (serving or settings.REDIS_CACHE_URL):
        return None
    if settings.REDIS_CACHE_URL:
        try:
            found.extend(_other_processes())
        except Exception:  # Redis down: this process's own connections are still worth showing
            logger.exception("live connections: the other processes' snapshots could not be read")
    if game_id is not None:
        found = [entry for entry in found if entry["game_id"] == game_id]
    return sorted(found, key=lambda entry: entry["connected_at"])
