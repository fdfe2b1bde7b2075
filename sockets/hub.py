"""The per-process hub (docs/architecture.md): the one channel-layer member of this process.

It joins a group (`key.<id>`, `game.<id>`, `alias.<id>` and the apps' own, such as a game
channel's) when its first local
connection needs it and leaves when the last one goes, so a `group_send` costs one publish whatever
the group size and the channel layer sees one member per process. A group message carries a frame
that was serialised once by the publisher; the hub writes it straight to the matching local
sockets: no per-recipient dispatch, queue, JSON work or thread hop.
"""

import asyncio
import logging
import time
from collections import Counter

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from sockets import metrics, registry
from sockets.server_socket import text_frame

logger = logging.getLogger(__name__)


def key_group(key_id):
    return f"key.{key_id}"


def game_group(game_id):
    return f"game.{game_id}"


def alias_group(alias_id):
    return f"alias.{alias_id}"


# Every process's hub is a member of this group from its start: events every process must apply
# whatever connections it has ("forget" what it caches about a group, sockets.events.publish_forget).
EVERY_PROCESS = "processes"


class Hub:
    def __init__(self, layer):
        self.layer = layer
        self.channel_name = None
        # group name -> its local connections, in the order they joined (a dict as an ordered set):
        # a fan-out reaches the longest-standing members first.
        self.members = {}
        # group name -> {scope -> the members that have it}: built by the first scoped event to the
        # group, then kept up to date by joins and leaves. A presence push to a game group of
        # thousands reaches only the few with read:playerPresence without checking the others.
        self.scoped = {}
        self.subscribed = set()  # groups this process is a channel-layer member of
        # group -> how many connections are about to join it (reserve): subscribed meanwhile, and a
        # membership event that reaches it before they do counts in membership_changes.
        self.reserved = Counter()
        self.connections = set()
        self.per_key = Counter()
        self.per_ip = Counter()
        self._subscription_lock = asyncio.Lock()
        self._tasks = []
        self.data = {}  # group name -> (loaded at, data) cached while subscribed (a game channel's JSON)
        self._forgotten = 0  # bumped whenever cached data is dropped
        self.membership_changes = 0  # bumped by every join/leave event applied to local connections

    async def start(self):
        self.channel_name = await self.layer.new_channel()
        await self.layer.group_add(EVERY_PROCESS, self.channel_name)
        self.subscribed.add(EVERY_PROCESS)
        self._tasks = [
            asyncio.create_task(self._receive_forever(), name="hub-receive"),
            asyncio.create_task(self._probe_layer_forever(), name="hub-layer-probe"),
            *(
                asyncio.create_task(self._run_every(seconds, job), name=f"hub-job-{job.__qualname__}")
                for seconds, job in registry.jobs
            ),
        ]

    # --- local registry ---------------------------------------------------------------------

    def admits(self, grant, client_ip):
        """The per-process connection limits per access key and per client IP (0 = off)."""
        config = settings.TALO_SOCKET
        if config["MAX_CONNECTIONS_PER_KEY"] and self.per_key[grant.key_id] >= config["MAX_CONNECTIONS_PER_KEY"]:
            return False
        if config["MAX_CONNECTIONS_PER_IP"] and self.per_ip[client_ip] >= config["MAX_CONNECTIONS_PER_IP"]:
            return False
        return True

    async def register(self, connection):
        self.connections.add(connection)
        self.per_key[connection.grant.key_id] += 1
        self.per_ip[connection.client_ip] += 1
        await self.join(connection, key_group(connection.grant.key_id))
        await self.join(connection, game_group(connection.grant.game_id))

    async def unregister(self, connection):
        if connection in self.connections:
            self.connections.discard(connection)
            for counter, name in ((self.per_key, connection.grant.key_id), (self.per_ip, connection.client_ip)):
                counter[name] -= 1
                if counter[name] <= 0:
                    del counter[name]
        # Local membership first, all of it: a channel-layer failure below must not leave the
        # closed connection in a group.
        emptied = [group for group in list(connection.groups) if self._leave_locally(connection, group)]
        for group in emptied:
            try:
                await self._sync_subscription(group)
            except Exception:
                logger.exception("hub: leaving %s on the channel layer failed", group)

    async def join(self, connection, group):
        connection.groups.add(group)
        self.members.setdefault(group, {})[connection] = None
        for scope, holders in self.scoped.get(group, {}).items():
            if connection.has_scope(scope):
                holders[connection] = None
        if group not in self.subscribed:
            await self._sync_subscription(group)

    async def leave(self, connection, group):
        if self._leave_locally(connection, group):
            await self._sync_subscription(group)

    async def reserve(self, group):
        """Subscribe to `group` ahead of a connection that will join it if a check passes: what is
        read after this returns cannot miss an event published to the group after the read. Every
        reserve is followed by a release."""
        self.reserved[group] += 1
        if group not in self.subscribed:
            await self._sync_subscription(group)

    async def release(self, group):
        self.reserved[group] -= 1
        if self.reserved[group] <= 0:
            del self.reserved[group]
            if group not in self.members:
                await self._sync_subscription(group)

    def _leave_locally(self, connection, group):
        """Drop the connection from the group here; True when that emptied the group."""
        connection.groups.discard(group)
        members = self.members.get(group)
        if members is None:
            return False
        members.pop(connection, None)
        for holders in self.scoped.get(group, {}).values():
            holders.pop(connection, None)
        if members:
            return False
        del self.members[group]
        self.scoped.pop(group, None)
        return True

    def _members_with(self, group, scope):
        """The group's local connections that have `scope` (self.scoped)."""
        by_scope = self.scoped.setdefault(group, {})
        holders = by_scope.get(scope)
        if holders is None:
            holders = by_scope[scope] = {c: None for c in self.members.get(group, ()) if c.has_scope(scope)}
        return holders

    async def _sync_subscription(self, group):
        # Serialised, and decided under the lock from the registry as it is then, so that a join
        # racing a leave of the same group always ends subscribed exactly when members remain.
        async with self._subscription_lock:
            wanted = group in self.members or group in self.reserved
            if wanted and group not in self.subscribed:
                await self.layer.group_add(group, self.channel_name)
                self.subscribed.add(group)
            elif not wanted and group in self.subscribed:
                await self.layer.group_discard(group, self.channel_name)
                self.subscribed.discard(group)
                self.forget(group)

    # --- per-group data cache ---------------------------------------------------------------

    async def group_data(self, group, load, *, max_age):
        """Data about a group, loaded with `load()` (synchronous, run off the loop) on a miss or
        when the copy is older than `max_age` seconds.

        It is kept only while this process is subscribed to the group, so the "forget" events
        published to the group reach every process holding a copy; a copy that was being loaded
        while anything was forgotten is not kept."""
        now = time.monotonic()
        cached = self.data.get(group)
        if cached is not None and now - cached[0] < max_age:
            return cached[1]
        forgotten = self._forgotten
        value = await database_sync_to_async(load)()
        if value is not None and group in self.subscribed and forgotten == self._forgotten:
            self.data[group] = (now, value)
        return value

    def forget(self, group):
        self.data.pop(group, None)
        self._forgotten += 1

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
        kind = message["type"]
        if kind == "probe":
            self._probe_answered(message["sent"])
            return
        if kind == "forget":
            name = message.get("name", message["group"])
            self.forget(name)
            for hook in registry.forget_hooks:
                hook(name)
            return
        members = self.members.get(message["group"])
        if not members:
            if kind in ("join", "leave") and message["group"] in self.reserved:
                self.membership_changes += 1  # the joiner's read may predate it
            return
        if kind == "frame":
            scope = message.get("scope")
            await self._deliver(members if scope is None else self._members_with(message["group"], scope), message)
        elif kind == "join":
            # Membership events (sockets.events.publish_join, publish_leave): the group's local
            # connections join or leave the target group; joiners then get the frame.
            self.membership_changes += 1
            joined = list(members)
            for connection in joined:
                await self.join(connection, message["target"])
            scope = message.get("scope")
            await self._deliver([c for c in joined if scope is None or c.has_scope(scope)], message)
        elif kind == "leave":
            self.membership_changes += 1
            for connection in list(members):
                await self.leave(connection, message["target"])
        elif kind == "close":
            only = message.get("connection")  # one connection of the group (sockets.events.publish_close)
            for connection in list(members):
                if only is None or connection.connection_id == only:
                    connection.close_socket(message["code"], message.get("reason"))

    async def _deliver(self, members, message):
        """The frame to `members`, already narrowed to the event's scope (dispatch), filtered by
        its other conditions. Direct connections are written to without a coroutine each."""
        text = message["text"]
        identified = message.get("identified", False)
        skip = message.get("skip")
        skip_alias = message.get("skip_alias")
        frame = text_frame(text)
        variant = message.get("variant")
        if variant is not None:
            # The second rendering, for connections that opted in to a connection option: built
            # and framed once, when the first of them is met (frame_event's two forms).
            option, variant_text = variant
            variant_frame = None
        delivered = 0
        for connection in list(members):
            if identified and connection.alias_id is None:
                continue
            if skip is not None and connection.connection_id == skip:
                continue
            if skip_alias is not None and connection.alias_id == skip_alias:
                continue
            if variant is not None and option in connection.options:
                if variant_frame is None:
                    if not isinstance(variant_text, str):
                        variant_text = text[:variant_text] + message["fill"] + text[variant_text:]
                    variant_frame = text_frame(variant_text)
                chosen_text, chosen_frame = variant_text, variant_frame
            else:
                chosen_text, chosen_frame = text, frame
            if connection.direct:
                connection.write(chosen_frame)
            else:
                await connection.deliver(chosen_text, chosen_frame)
            delivered += 1
        if delivered:
            # Counted once per fan-out, not per recipient (sockets.metrics).
            metrics.totals["deliveries"] += delivered
            metrics.frames_sent[metrics.response_name(text)] += delivered
            if "at" in message:
                metrics.fanout_seconds.observe(time.time() - message["at"])

    # --- channel-layer liveness ---------------------------------------------------------------
    # Delivery across processes is at-most-once: while Redis is unreachable, events published
    # anywhere are lost for this process. The layer reconnects and re-subscribes on its own; the
    # probe (a message to our own channel every PROBE_SECONDS) makes the loss window visible in
    # the log, from the first unanswered probe to the first answered one.

    PROBE_SECONDS = 2
    _last_answer = None
    _outage_since = None

    @property
    def layer_reachable(self):
        return self._outage_since is None

    async def _probe_layer_forever(self):
        self._last_answer = time.monotonic()
        while True:
            await asyncio.sleep(self.PROBE_SECONDS)
            try:
                await self.layer.send(self.channel_name, {"type": "probe", "sent": time.time()})
            except asyncio.CancelledError:
                raise
            except Exception:
                pass  # counted as unanswered below
            silent = time.monotonic() - self._last_answer
            if self._outage_since is None and silent > 3 * self.PROBE_SECONDS:
                self._outage_since = time.time() - silent
                logger.error(
                    "hub: channel layer unreachable for %.0f s: events from other processes are being lost", silent
                )

    def _probe_answered(self, sent):
        self._last_answer = time.monotonic()
        if self._outage_since is not None:
            logger.warning(
                "hub: channel layer reachable again; events published in the last %.1f s may have been lost",
                time.time() - self._outage_since,
            )
            self._outage_since = None

    # --- the apps' periodic jobs (sockets.registry.every) ------------------------------------

    async def _run_every(self, seconds, job):
        while True:
            await asyncio.sleep(seconds)
            try:
                await job(self)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("hub: job %s failed", job.__qualname__)


_hubs = {}


def server_loop():
    """The event loop this process's hub runs on (a server process), or None (a command, or a
    test whose loop has finished)."""
    for loop in list(_hubs):
        if loop.is_closed():
            del _hubs[loop]
        else:
            return loop
    return None


async def get_hub():
    """The hub of the running event loop (one per server process), started on first use."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = metrics.hub = Hub(get_channel_layer())
        hub.started = asyncio.ensure_future(hub.start())
    await hub.started
    return hub
