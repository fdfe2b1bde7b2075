"""Presence on the socket runtime: the identify request (a player comes online), the clean-up
of a closed connection, and the upkeep of the live-connection registry (docs/socket.md §9.1,
§3.3; docs/differences.md row 2)."""

import asyncio
import logging
import time

from django.conf import settings

from game_channels.realtime import join_member_groups
from game_channels.selectors import MAX_ID
from players.scopes import READ_PLAYER_PRESENCE, READ_PLAYERS
from players.services import identity
from presence import services
from sockets import metrics, registry, wire
from sockets.hub import alias_group, get_hub
from sockets.schemas import Number, Object, String
from sockets.upkeep import run_upkeep
from sockets.workers import run_work

logger = logging.getLogger(__name__)

REQ_IDENTIFY = "v1.players.identify"
# docs/differences.md row 7: the spelling in Talo's docs is accepted as the same request.
REQ_IDENTIFIED = "v1.players.identified"
RES_IDENTIFY_SUCCESS = "v1.players.identify.success"
IDENTIFY_SECONDS = metrics.histogram(
    "identify_duration_seconds", "v1.players.identify, from the request to its answer (successful ones).",
    (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
IDENTIFY = Object(playerAliasId=Number(), socketToken=String(), sessionToken=String(), optional=["sessionToken"])

# connection.state[PRESENCE]: every player the connection identified as -> the last alias it used
# for that player. The connection counts towards each one's presence until it closes.
PRESENCE = "presence"


def register():
    for name in (REQ_IDENTIFY, REQ_IDENTIFIED):
        registry.register(name, IDENTIFY, READ_PLAYERS, requires_player=False, handler=identify)
    registry.on_close(connection_closed)
    registry.every(max(1, settings.TALO_SOCKET["PRESENCE_TTL"] // 3), keep_presence)


def _identify(connection, alias_id, payload):
    """On a worker thread, after the token was checked: the alias, its presence and channels."""
    alias = identity.identify_socket(
        game_id=connection.grant.game_id, alias_id=alias_id, session_token=payload.get("sessionToken", "")
    )
    presence_frame, alias_data, channel_ids = services.connection_identified(alias=alias, connection_id=connection.connection_id)
    return alias, alias_data, presence_frame, channel_ids


async def identify(connection, payload):
    """docs/socket.md §9.1. The token is checked from the event loop; the database work — alias,
    presence, the alias's channels — is one hop; the alias group is subscribed before it
    (reserved), so a membership event published after the channels were read reaches this
    process. The frames of one connection (and its close) are handled one after another, so this
    cannot race connection_closed."""
    started = time.monotonic()
    alias_id = await identity.check_socket_token(alias_id=payload["playerAliasId"], socket_token=payload["socketToken"])
    hub = await get_hub()
    # An id no alias can have has no token either; this bound keeps the group name sane.
    claimed = alias_group(alias_id) if 0 < alias_id <= MAX_ID else None
    if claimed is not None:
        await hub.reserve(claimed)
    try:
        changes = hub.membership_changes
        alias, alias_data, presence_frame, channel_ids = await run_work(_identify, connection, alias_id, payload)
        connection.state.setdefault(PRESENCE, {})[alias.player_id] = alias.id
        if connection.alias_id is not None and connection.alias_id != alias.id:
            await hub.leave(connection, alias_group(connection.alias_id))
        connection.alias_id = alias.id
        connection.alias_data = alias_data
        await hub.join(connection, alias_group(alias.id))
        await join_member_groups(hub, connection, read=(changes, channel_ids))
    finally:
        if claimed is not None:
            await hub.release(claimed)
    # Steps 6–7: the connection's own presence message comes first.
    if connection.has_scope(READ_PLAYER_PRESENCE):
        await connection.deliver(presence_frame)
    await connection.deliver(wire.frame(RES_IDENTIFY_SUCCESS, alias_data))
    IDENTIFY_SECONDS.observe(time.monotonic() - started)


# Clean-ups run detached from the consumer: daphne cancels an application instance that has not
# finished 10 s after its socket closed, which a storm of closes queued on the upkeep thread can
# exceed. A strong reference keeps each task alive until it is done.
_cleanups = set()


async def connection_closed(connection):
    """The players the connection identified as go offline when it was their last live connection
    on any process (docs/socket.md §3.3)."""
    aliases_by_player = connection.state.get(PRESENCE)
    if not aliases_by_player:
        return
    task = asyncio.ensure_future(
        run_upkeep(
            services.connection_closed,
            game_id=connection.grant.game_id,
            connection_id=connection.connection_id,
            aliases_by_player=aliases_by_player,
        )
    )
    _cleanups.add(task)
    task.add_done_callback(_cleanup_done)


def _cleanup_done(task):
    _cleanups.discard(task)
    if not task.cancelled() and task.exception() is not None:
        logger.error("presence: clean-up of a closed connection failed", exc_info=task.exception())


async def keep_presence(hub):
    """Every PRESENCE_TTL/3 s: refresh this process's identified connections in the shared
    registry, then set offline the players whose connections died with their process."""
    entries = [
        (player_id, connection)
        for connection in hub.connections
        for player_id in connection.state.get(PRESENCE, ())
    ]
    await run_upkeep(services.refresh_live_connections, entries)
    await run_upkeep(services.sweep_stale_presence)
