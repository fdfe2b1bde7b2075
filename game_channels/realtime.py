"""Game channels on the socket runtime (docs/architecture.md): which channel groups a connection is in,
`v1.channels.message` without a database query or a per-recipient encoding per message, and
`v1.channels.history` (docs/extensions.md §X1).

A connection is in `channel.<id>` exactly while its alias is a member: it joins its alias's
channels on identify, and the membership events the services publish (game_channels.events) move it
in and out on every process. The channel's JSON is cached per process by the hub while the
process holds the group, dropped by the "forget" event a channel update publishes, and refreshed
every CHANNEL_JSON_MAX_AGE seconds."""

from game_channels import history, message_counts, selectors
from game_channels.events import channel_group
from game_channels.serializers import serialize_channel
from players.scopes import READ_GAME_CHANNELS, WRITE_GAME_CHANNELS
from sockets import events, registry, wire
from sockets.hub import get_hub
from sockets.schemas import Integer, Number, Object, String
from sockets.workers import run_work
from talo_project.errors import NotFound, ServiceError

REQ_MESSAGE = "v1.channels.message"
RES_MESSAGE = "v1.channels.message"
REQ_HISTORY = "v1.channels.history"
CHANNEL_MESSAGE = Object(channel=Object(id=Number()), message=String())
CHANNEL_HISTORY = Object(
    optional=("after", "epoch", "limit"),
    channel=Object(id=Number()),
    after=Integer(minimum=0),
    epoch=String(),
    limit=Integer(minimum=1, maximum=history.MAX_LIMIT),
)
CHANNEL_GROUP_PREFIX = channel_group("")
# Like Talo's channel cache: a copy is refreshed at least this often, so `totalMessages` in
# message payloads lags by at most this (plus the counters' flush interval).
CHANNEL_JSON_MAX_AGE = 600


MEMBERSHIP_READ_ATTEMPTS = 3


def register():
    registry.register(REQ_MESSAGE, CHANNEL_MESSAGE, WRITE_GAME_CHANNELS, requires_player=True, handler=send_message)
    registry.register(REQ_HISTORY, CHANNEL_HISTORY, READ_GAME_CHANNELS, requires_player=True, handler=send_history)
    registry.connection_option(history.OFFSETS_OPTION)


async def join_member_groups(hub, connection, read=None):
    """On identify (one query): the connection joins the groups of its alias's channels and
    leaves those of an alias it was identified as before.

    The connection is already in its alias group, so membership events published from now on
    reach it; one applied while the memberships were being read or joined (a leave arriving
    before the join it undoes) makes the read start again. `read`: (hub.membership_changes before
    the read, the channel ids) when the caller read them itself, with the alias group reserved
    (sockets.hub.Hub.reserve) before reading."""
    for _ in range(MEMBERSHIP_READ_ATTEMPTS):
        if read is not None:
            (changes, channel_ids), read = read, None
        else:
            changes = hub.membership_changes
            channel_ids = await run_work(selectors.member_channel_ids, connection.alias_id)
        wanted = {channel_group(channel_id) for channel_id in channel_ids}
        for group in [g for g in connection.groups if g.startswith(CHANNEL_GROUP_PREFIX) and g not in wanted]:
            await hub.leave(connection, group)
        for group in wanted:
            await hub.join(connection, group)
        if hub.membership_changes == changes:
            return


def _channel_id(value):
    """A channel id from the payload's number; None when no channel can have it."""
    if isinstance(value, float):
        if not value.is_integer():
            return None
        value = int(value)
    if not 0 < value <= selectors.MAX_ID:
        return None
    return value


def _check_member(game_id, alias_id, channel_id):
    """The error path only: tell a missing channel (another game's included, docs/differences.md
    row 4) from a non-member. A member whose join event has not arrived yet passes."""
    if channel_id is None or selectors.get_channel(game_id=game_id, channel_id=channel_id) is None:
        raise NotFound("Channel not found")
    if not selectors.is_member(channel_id=channel_id, alias_id=alias_id):
        raise ServiceError("Player not in channel")


def _load_channel(channel_id):
    channel = selectors.channels_with_relations().filter(id=channel_id).first()
    return None if channel is None else serialize_channel(channel)


async def _member_channel(hub, connection, channel_id_value):
    """(channel id, group, plain channel JSON) for a member of the channel; the error path reads
    the database, the usual one nothing (membership from the connection's groups, the JSON from
    the hub's cache)."""
    channel_id = _channel_id(channel_id_value)
    group = channel_group(channel_id)
    if channel_id is None or group not in connection.groups:
        await run_work(_check_member, connection.grant.game_id, connection.alias_id, channel_id)
        await hub.join(connection, group)
    channel = await hub.group_data(group, lambda: _load_channel(channel_id), max_age=CHANNEL_JSON_MAX_AGE)
    if channel is None:
        raise NotFound("Channel not found")
    return channel_id, group, channel


async def send_message(connection, payload):
    """docs/socket.md §9.2: one frame, serialised once, to the channel group's members that have
    read:gameChannels (the sender's connections included). With history on, the message is
    kept first and its offset goes in a second rendering for connections opened with
    `offsets=1` (docs/extensions.md §X1.1), also built once; the Redis store publishes the
    message in the same step as it keeps it when it can (game_channels/history.py)."""
    hub = await get_hub()
    channel_id, group, channel = await _member_channel(hub, connection, payload["channel"]["id"])
    message, alias = payload["message"], connection.alias_data
    text = wire.frame(RES_MESSAGE, {"channel": channel, "message": message, "playerAlias": alias})
    store = history.store()
    if store.enabled:
        variant = (history.OFFSETS_OPTION, history.OFFSET_GAP)
        event = events.frame_event(group, text, scope=READ_GAME_CHANNELS, variant=variant)
        offset, epoch, published = await store.append(channel_id, history.record(message, alias), events.publication(event))
        if not published:
            event["fill"] = history.offset_fill(offset, epoch)
            await events.apublish(event)
    else:
        await events.apublish(events.frame_event(group, text, scope=READ_GAME_CHANNELS))
    message_counts.add(channel_id)


async def send_history(connection, payload):
    """docs/extensions.md §X1.3: a page of the channel's history, to this connection only."""
    hub = await get_hub()
    channel_id, _, channel = await _member_channel(hub, connection, payload["channel"]["id"])
    after = payload.get("after")
    window = await history.store().aread(
        channel_id, after=after, epoch=payload.get("epoch"), limit=payload.get("limit", history.DEFAULT_LIMIT)
    )
    await connection.deliver(history.reply_frame(channel, window, after))
