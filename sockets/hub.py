"""The per-process hub (design.md): the one channel-layer member of this process.

It joins a group (`channel.<id>`, `alias.<id>`, `game.<id>`, `key.<id>`) when its first local
connection needs it and leaves when the last one goes, so a `group_send` costs one publish whatever
the group size and the channel layer sees one member per process. A group message carries a frame
that was serialised once by the publisher; the hub writes it straight to the matching local
sockets: no per-recipient dispatch, queue, JSON work or thread hop.
"""

import asyncio
import logging

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from players.models import AccessKey

logger = logging.getLogger(__name__)

CLOSE_TICKET_REFUSED = 3000


def key_group(key_id):
    return f"key.{key_id}"


def game_group(game_id):
    return f"game.{game_id}"


def alias_group(alias_id):
    return f"alias.{alias_id}"


def channel_group(channel_id):
    return f"channel.{channel_id}"


class Hub:
    def __init__(self, layer):
        self.layer = layer
        self.channel_name = None
        self.members = {}  # group name -> set of local connections
        self.subscribed = set()  # groups this process is a channel-layer member of
        self.connections = set()
        self._subscription_lock = asyncio.Lock()
        self._tasks = []

    async def start(self):
        self.channel_name = await self.layer.new_channel()
        self._tasks = [
            asyncio.create_task(self._receive_forever(), name="hub-receive"),
            asyncio.create_task(self._sweep_revoked_keys_forever(), name="hub-revocation-sweep"),
            asyncio.create_task(self._keep_presence_forever(), name="hub-presence"),
        ]

    # --- local registry ---------------------------------------------------------------------

    async def register(self, connection):
        self.connections.add(connection)
        await self.join(connection, key_group(connection.grant.key_id))
        await self.join(connection, game_group(connection.grant.game_id))

    async def unregister(self, connection):
        self.connections.discard(connection)
        for group in list(connection.groups):
            await self.leave(connection, group)

    async def join(self, connection, group):
        connection.groups.add(group)
        self.members.setdefault(group, set()).add(connection)
        if group not in self.subscribed:
            await self._sync_subscription(group)

    async def leave(self, connection, group):
        connection.groups.discard(group)
        members = self.members.get(group)
        if members is None:
            return
        members.discard(connection)
        if not members:
            del self.members[group]
            await self._sync_subscription(group)

    async def _sync_subscription(self, group):
        # Serialised, and decided under the lock from the registry as it is then, so that a join
        # racing a leave of the same group always ends subscribed exactly when members remain.
        async with self._subscription_lock:
            wanted = group in self.members
            if wanted and group not in self.subscribed:
                await self.layer.group_add(group, self.channel_name)
                self.subscribed.add(group)
            elif not wanted and group in self.subscribed:
                await self.layer.group_discard(group, self.channel_name)
                self.subscribed.discard(group)

    # --- delivery ---------------------------------------------------------------------------

    async def _receive_forever(self):
        while True:
            try:
                message = await self.layer.receive(self.channel_name)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("hub: channel layer receive failed; retrying")
                await asyncio.sleep(1)
                continue
            try:
                await self.dispatch(message)
            except Exception:
                logger.exception("hub: dispatch of a %s event failed", message.get("type"))

    async def dispatch(self, message):
        members = self.members.get(message["group"])
        if not members:
            return
        kind = message["type"]
        if kind == "frame":
            await self._deliver(members, message)
        elif kind == "close":
            for connection in list(members):
                await connection.close_socket(message["code"])

    async def _deliver(self, members, message):
        text = message["text"]
        scope = message.get("scope")
        identified = message.get("identified", False)
        skip = message.get("skip")
        for connection in list(members):
            if scope is not None and not connection.has_scope(scope):
                continue
            if identified and connection.alias_id is None:
                continue
            if skip is not None and connection.connection_id == skip:
                continue
            await connection.deliver(text)

    # --- revocation catch-up (DECISIONS.md row 10) ------------------------------------------

    async def _sweep_revoked_keys_forever(self):
        interval = settings.TALO_SOCKET["REVOCATION_SWEEP_SECONDS"]
        while True:
            await asyncio.sleep(interval)
            try:
                await self.close_revoked()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("hub: revocation sweep failed")

    async def close_revoked(self):
        key_ids = {connection.grant.key_id for connection in self.connections}
        if not key_ids:
            return
        revoked = await database_sync_to_async(_revoked_key_ids)(key_ids)
        for connection in list(self.connections):
            if connection.grant.key_id in revoked:
                await connection.close_socket(CLOSE_TICKET_REFUSED)

    # --- presence upkeep (DECISIONS.md row 2) -------------------------------------------------

    async def _keep_presence_forever(self):
        from players import services

        interval = max(1, settings.TALO_SOCKET["PRESENCE_TTL"] // 3)
        while True:
            await asyncio.sleep(interval)
            try:
                entries = [
                    (player_id, connection.connection_id)
                    for connection in self.connections
                    for player_id in connection.presence_aliases
                ]
                await database_sync_to_async(services.refresh_live_connections)(entries)
                await database_sync_to_async(services.sweep_stale_presence)()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("hub: presence upkeep failed")


def _revoked_key_ids(key_ids):
    return set(AccessKey.objects.filter(id__in=key_ids, revoked_at__isnull=False).values_list("id", flat=True))


_hubs = {}


async def get_hub():
    """The hub of the running event loop (one per server process), started on first use."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = Hub(get_channel_layer())
        hub.started = asyncio.ensure_future(hub.start())
    await hub.started
    return hub
