"""Publishing to sockets: the one way any part of the server tells connections something.

A service builds the payload, calls one of these, and the frame is serialised here once; every
server process's hub (sockets.hub) fans it out to its matching local connections. Publishing
from a request or an admin action happens when the transaction commits (like Zulip's
send_event), so a client reacting to the message and re-reading over REST sees the new state.
"""

import asyncio
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from sockets import wire
from sockets.hub import alias_group, channel_group, game_group, key_group, server_loop
from sockets.layers import LocalChannelLayer

logger = logging.getLogger(__name__)

CLOSE_REVOKED = 3000


def frame_event(group, text, *, scope=None, identified=False, skip=None, skip_alias=None):
    event = {"type": "frame", "group": group, "text": text}
    if scope is not None:
        event["scope"] = scope
    if identified:
        event["identified"] = True
    if skip is not None:
        event["skip"] = skip
    if skip_alias is not None:
        event["skip_alias"] = skip_alias
    return event


async def apublish(event):
    await get_channel_layer().group_send(event["group"], event)


def publish(event):
    """Send an event to its group from synchronous code, once the current transaction commits."""
    transaction.on_commit(lambda: _send(event))


PUBLISH_TIMEOUT = 10


def _send(event):
    """Publish from a worker thread. In a server process the publish runs on the server's event
    loop (where the channel layer lives) and this thread waits for it, so one thread's events go
    out in order; once that loop has stopped (shutdown) the event is dropped instead of waiting
    for a loop that will never run it. Elsewhere (a command) it runs on a loop of its own."""
    loop = server_loop()
    try:
        if loop is None:
            async_to_sync(apublish)(event)
        elif loop.is_running():
            asyncio.run_coroutine_threadsafe(apublish(event), loop).result(timeout=PUBLISH_TIMEOUT)
        else:
            logger.warning("server stopping: a %s event to %s was not published", event["type"], event["group"])
    except Exception:
        # Delivery is at-most-once (as in Talo): a failed publish must not fail the write that
        # caused it, which is already committed.
        logger.exception("publishing a %s event to %s failed", event["type"], event["group"])


def reaches_other_processes():
    """False for the embedded in-process layer: a command run in its own process cannot reach a
    running server's sockets through it (DECISIONS.md, operator commands)."""
    return not isinstance(get_channel_layer(), LocalChannelLayer)


# --- the events themselves ---------------------------------------------------------------------


def publish_key_revoked(key_id):
    publish({"type": "close", "group": key_group(key_id), "code": CLOSE_REVOKED})


def publish_to_channel(channel_id, res, data, *, scope="read:gameChannels"):
    publish(frame_event(channel_group(channel_id), wire.frame(res, data), scope=scope))


def publish_member_added(alias_id, channel_id, res, data, *, scope="read:gameChannels"):
    """A frame about a new member of a channel, to every member after the join (socket.md
    §10.5, §10.8), serialised once. The new member's connections get it through the event that
    adds them to the channel group on every process (so it reaches them even on a process that
    was not yet subscribed to that group); the channel-group copy skips them."""
    text = wire.frame(res, data)
    group = channel_group(channel_id)
    publish(frame_event(group, text, scope=scope, skip_alias=alias_id))
    # Every process's hub adds the alias's local connections to the channel group, then hands
    # them the frame.
    publish({"type": "join", "group": alias_group(alias_id), "target": group, "text": text, "scope": scope})


def publish_channel_left(alias_id, channel_id):
    """The alias is no longer a member: its connections leave the channel group. Publish the
    frames its connections must still get (player-left) before this; one publisher's events
    arrive in order."""
    publish({"type": "leave", "group": alias_group(alias_id), "target": channel_group(channel_id)})


def publish_channel_closed(channel_id):
    """The channel is gone: every connection leaves its group (after the `deleted` frame)."""
    group = channel_group(channel_id)
    publish({"type": "leave", "group": group, "target": group})


def publish_channel_changed(channel_id):
    """The channel's JSON changed: every process drops its cached copy (see Hub.group_data)."""
    publish({"type": "forget", "group": channel_group(channel_id)})


def publish_to_alias(alias_id, res, data, *, scope):
    publish(frame_event(alias_group(alias_id), wire.frame(res, data), scope=scope))


def publish_to_game(game_id, res, data, *, scope, identified=False, skip=None):
    publish(frame_event(game_group(game_id), wire.frame(res, data), scope=scope, identified=identified, skip=skip))
