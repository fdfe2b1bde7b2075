"""The channel events of the hub (docs/architecture.md): a connection is in `channel.<id>`
exactly while its alias is a member, on every process. Published when the transaction commits."""

from players.scopes import READ_GAME_CHANNELS
from sockets import events, wire
from sockets.hub import alias_group


def channel_group(channel_id):
    return f"channel.{channel_id}"


def publish_to_channel(channel_id, res, data, *, scope=READ_GAME_CHANNELS):
    events.publish_frame(channel_group(channel_id), res, data, scope=scope)


def publish_member_added(alias_id, channel_id, res, data, *, scope=READ_GAME_CHANNELS):
    """A frame about a new member of a channel, to every member after the join (docs/socket.md
    §10.5, §10.8), serialised once. The new member's connections get it through the event that
    adds them to the channel group on every process (so it reaches them even on a process that
    was not yet subscribed to that group); the channel-group copy skips them."""
    text = wire.frame(res, data)
    group = channel_group(channel_id)
    events.publish(events.frame_event(group, text, scope=scope, skip_alias=alias_id))
    events.publish_join(alias_group(alias_id), group, text, scope=scope)


def publish_channel_left(alias_id, channel_id):
    """The alias is no longer a member: its connections leave the channel group. Publish the
    frames its connections must still get (player-left) before this."""
    events.publish_leave(alias_group(alias_id), channel_group(channel_id))


def publish_channel_closed(channel_id):
    """The channel is gone: every connection leaves its group (after the `deleted` frame)."""
    group = channel_group(channel_id)
    events.publish_leave(group, group)


def publish_channel_changed(channel_id):
    """The channel's JSON changed: every process drops its cached copy (sockets.hub.Hub.group_data)."""
    events.publish_forget(channel_group(channel_id))
