"""Socket request handlers: each validates nothing more, calls one service, answers or publishes."""

import asyncio
import logging

from channels.db import database_sync_to_async

from game_channels import realtime
from players import selectors, services
from players.serializers import serialize_alias
from sockets import errors, events, wire
from sockets.hub import alias_group, get_hub, run_upkeep

logger = logging.getLogger(__name__)

RES_IDENTIFY_SUCCESS = "v1.players.identify.success"


def _identify(connection, payload):
    try:
        alias = services.identify_socket(
            game_id=connection.grant.game_id,
            alias_id=payload["playerAliasId"],
            socket_token=payload["socketToken"],
            session_token=payload.get("sessionToken", ""),
        )
    except services.InvalidSocketToken:
        raise errors.SoftError(errors.INVALID_SOCKET_TOKEN) from None
    except services.InvalidSessionToken:
        raise errors.SoftError(errors.INVALID_SESSION_TOKEN) from None
    except services.ServiceError as exc:
        raise errors.ListenerError(exc.message) from None
    presence_frame = services.connection_identified(alias=alias, connection_id=connection.connection_id)
    return alias, serialize_alias(alias), presence_frame


async def identify(connection, payload):
    alias, alias_data, presence_frame = await database_sync_to_async(_identify)(connection, payload)
    # Frames of one connection (and its close) are handled one after another, so this cannot race
    # the clean-up in connection_closed.
    connection.presence_aliases[alias.player_id] = alias.id
    hub = await get_hub()
    if connection.alias_id is not None and connection.alias_id != alias.id:
        await hub.leave(connection, alias_group(connection.alias_id))
    connection.alias_id = alias.id
    connection.player_id = alias.player_id
    connection.alias_data = alias_data
    await hub.join(connection, alias_group(alias.id))
    await realtime.join_member_groups(hub, connection)
    # socket.md §9.1 steps 6–7: the connection's own presence message comes first.
    if connection.has_scope("read:playerPresence"):
        await connection.deliver(presence_frame)
    await connection.deliver(wire.frame(RES_IDENTIFY_SUCCESS, alias_data))


# Clean-ups run detached from the consumer: daphne cancels an application instance that has not
# finished 10 s after its socket closed, which a storm of closes queued on the upkeep thread can
# exceed. A strong reference keeps each task alive until it is done.
_cleanups = set()


async def connection_closed(connection):
    """Clean-up of a closed connection (socket.md §3.3): the players it identified as go offline
    when it was their last live connection on any process."""
    if not connection.presence_aliases:
        return
    task = asyncio.ensure_future(
        run_upkeep(
            services.connection_closed,
            game_id=connection.grant.game_id,
            connection_id=connection.connection_id,
            aliases_by_player=connection.presence_aliases,
        )
    )
    _cleanups.add(task)
    task.add_done_callback(_cleanup_done)


def _cleanup_done(task):
    _cleanups.discard(task)
    if not task.cancelled() and task.exception() is not None:
        logger.error("socket: presence clean-up failed", exc_info=task.exception())


async def channel_message(connection, payload):
    await realtime.send_message(connection, payload["channel"]["id"], payload["message"])


async def player_broadcast(connection, payload):
    """socket.md §9.3: one frame, serialised once, to each confirmed subscriber's alias group."""
    recipients = await database_sync_to_async(selectors.confirmed_subscriber_alias_ids)(alias_id=connection.alias_id)
    if not recipients:
        return
    text = wire.frame(services.RES_BROADCAST, {"message": payload["message"], "playerAlias": connection.alias_data})
    await asyncio.gather(
        *(
            events.apublish(
                events.frame_event(alias_group(alias_id), text, scope=services.BROADCASTS_SCOPE, identified=True)
            )
            for alias_id in recipients
        )
    )
