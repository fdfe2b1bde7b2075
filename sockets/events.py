"""Publishing to sockets: the one way any part of the server tells connections something.

A service builds the payload, calls one of these, and the frame is serialised here once; every
server process's hub (sockets.hub) fans it out to its matching local connections. Publishing
from a request or an admin action happens when the transaction commits (like Zulip's
send_event), so a client reacting to the message and re-reading over REST sees the new state.
"""

import asyncio
import logging
import threading
import time

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

from sockets import wire
from sockets.errors import FrameTooLarge
from sockets.hub import EVERY_PROCESS, alias_group, game_group, server_loop
from sockets.layers import LocalChannelLayer, RedisLayer

logger = logging.getLogger(__name__)


def frame_event(group, text, *, scope=None, identified=False, skip=None, skip_alias=None, variant=None):
    """`variant`: (connection option, text) — the text that connections which opted in to that
    option get instead of `text` (both serialised once by the publisher) — or (connection option,
    position): that text is `text` with the event's `fill` inserted at `position` (a str index),
    the fill set before publishing (or by the Redis script that publishes the event:
    `publication`); the event then carries the text once."""
    # "at": when it was published, for the fan-out latency metric (sockets.metrics).
    event = {"type": "frame", "group": group, "text": text, "at": time.time()}
    if variant is not None:
        event["variant"] = variant
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


def publication(event):
    """How a Redis script can publish `event` itself (sockets.layers.Publication), or None (the
    in-process layer, or a layer a script cannot write to)."""
    layer = get_channel_layer()
    return layer.publication(event["group"], event) if isinstance(layer, RedisLayer) else None


def publish(event):
    """Send an event to its group from synchronous code, once the current transaction commits.
    An event whose frame is over the frame limit raises FrameTooLarge, inside the transaction of
    the change that caused it (which is then rolled back)."""
    text = event.get("text")
    limit = settings.TALO_SOCKET["MAX_FRAME_BYTES"]
    if text is not None and len(text) * 4 > limit and len(text.encode("utf-8", "replace")) > limit:
        raise FrameTooLarge(limit)
    transaction.on_commit(lambda: _send(event))


PUBLISH_TIMEOUT = 10

# The events published by the socket work running on this thread (sockets.workers), if any.
_outbox = threading.local()


def _send(event):
    """Publish from a thread. Socket work (sockets.workers) keeps its events for the event loop to
    publish once the work returns: the thread does not wait for the loop, and the loop is not
    woken once per event. Otherwise, in a server process (a REST request) the publish runs on the
    server's event loop (where the channel layer lives) and this thread waits for it, so one
    thread's events go out in order; once that loop has stopped (shutdown) the event is dropped
    instead of waiting for a loop that will never run it. Elsewhere (a command) it runs on a loop
    of its own."""
    kept = getattr(_outbox, "events", None)
    if kept is not None:
        kept.append(event)
        return
    loop = server_loop()
    try:
        if loop is None:
            async_to_sync(apublish)(event)
        elif loop.is_running():
            asyncio.run_coroutine_threadsafe(apublish(event), loop).result(timeout=PUBLISH_TIMEOUT)
        else:
            logger.warning("server stopping: a %s event to %s was not published", event["type"], event["group"])
    except Exception:
        _publish_failed(event)


def _publish_failed(event):
    # Delivery is at-most-once (as in Talo): a failed publish must not fail the write that
    # caused it, which is already committed.
    logger.exception("publishing a %s event to %s failed", event["type"], event["group"])


class Outbox:
    """The events one piece of socket work published, for the event loop to send when it returns.
    If its caller was cancelled meanwhile (the server gave up on the connection), whichever side
    comes last sends them: nothing the work committed goes unannounced."""

    def __init__(self):
        self.events = []
        self._lock = threading.Lock()
        self._work_done = False
        self._caller_gone = False

    def work_done(self):
        """On the worker thread, once the work has returned or raised."""
        with self._lock:
            self._work_done = True
            orphaned = self._caller_gone
        if orphaned:
            for event in self.events:
                _send(event)

    def caller_gone(self):
        """On the event loop, when the caller was cancelled: True when the work is done already,
        and the caller must send the events itself."""
        with self._lock:
            self._caller_gone = True
            return self._work_done


def keeping_events(outbox, function, *args, **kwargs):
    """On a worker thread: call `function`, keeping the events it publishes in `outbox` instead of
    sending them. Returns (its result, the exception it raised or None)."""
    _outbox.events = outbox.events
    try:
        return function(*args, **kwargs), None
    except Exception as error:
        return None, error
    finally:
        _outbox.events = None
        outbox.work_done()


async def publish_kept(kept):
    """On the event loop: publish the events `keeping_events` kept, in order."""
    for event in kept:
        try:
            await apublish(event)
        except Exception:
            _publish_failed(event)


def reaches_other_processes():
    """False for the embedded in-process layer: a command run in its own process cannot reach a
    running server's sockets through it (docs/differences.md, operator commands)."""
    return not isinstance(get_channel_layer(), LocalChannelLayer)


# --- the kinds of event a hub applies (sockets.hub.Hub.dispatch) --------------------------------


def publish_frame(group, res, data, *, scope=None, identified=False, skip=None, skip_alias=None):
    """One frame, serialised once, to the group's local connections on every process that pass the
    filters: `scope` held, identified, not the connection `skip`, not identified as `skip_alias`."""
    publish(frame_event(group, wire.frame(res, data), scope=scope, identified=identified, skip=skip, skip_alias=skip_alias))


def publish_join(group, target, text, *, scope):
    """Every connection in `group` joins `target` on every process, then gets `text` if it holds
    `scope` (so it reaches them even on a process that was not yet subscribed to `target`)."""
    publish({"type": "join", "group": group, "target": target, "text": text, "scope": scope})


def publish_leave(group, target):
    """Every connection in `group` leaves `target`. One publisher's events arrive in order: publish
    the frames they must still get before this."""
    publish({"type": "leave", "group": group, "target": target})


def publish_forget(group, *, everywhere=False):
    """Every process subscribed to `group` — with `everywhere`, every process — drops the data it
    caches for `group` (sockets.hub.Hub.group_data, and the apps' sockets.registry.on_forget hooks)."""
    if everywhere:
        publish({"type": "forget", "group": EVERY_PROCESS, "name": group})
    else:
        publish({"type": "forget", "group": group})


def publish_close(group, code, reason=None, *, connection_id=None):
    """Close every connection in `group` (or only the one with `connection_id`) with `code`."""
    event = {"type": "close", "group": group, "code": code}
    if reason:
        event["reason"] = reason
    if connection_id is not None:
        event["connection"] = connection_id
    publish(event)


def publish_to_alias(alias_id, res, data, *, scope):
    publish_frame(alias_group(alias_id), res, data, scope=scope)


def publish_to_game(game_id, res, data, *, scope, identified=False, skip=None):
    publish_frame(game_group(game_id), res, data, scope=scope, identified=identified, skip=skip)
