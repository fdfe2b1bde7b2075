"""Socket request handlers: each validates nothing more, calls one service, answers or publishes."""

from channels.db import database_sync_to_async

from game_channels import realtime
from players import services
from players.serializers import serialize_alias
from sockets import errors, wire
from sockets.hub import alias_group, get_hub

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
    except services.ServiceError as exc:
        raise errors.ListenerError(exc.message) from None
    return alias, serialize_alias(alias)


async def identify(connection, payload):
    alias, alias_data = await database_sync_to_async(_identify)(connection, payload)
    hub = await get_hub()
    if connection.alias_id is not None and connection.alias_id != alias.id:
        await hub.leave(connection, alias_group(connection.alias_id))
    connection.alias_id = alias.id
    connection.player_id = alias.player_id
    connection.alias_data = alias_data
    await hub.join(connection, alias_group(alias.id))
    await realtime.join_member_groups(hub, connection)
    await connection.deliver(wire.frame(RES_IDENTIFY_SUCCESS, alias_data))


async def channel_message(connection, payload):
    await realtime.send_message(connection, payload["channel"]["id"], payload["message"])


async def player_broadcast(connection, payload):
    # Player relationships arrive with their models (issue 4); until then nobody subscribes.
    return None
