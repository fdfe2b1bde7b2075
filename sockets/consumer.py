"""The socket's Channels consumer: an adapter from ASGI events to the ticket check, the router
and the clean-up. It is not a channel-layer member itself: the process's hub is
(docs/architecture.md)."""

import logging
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from sockets import metrics, registry, router, wire
from sockets.connection import (
    CLOSE_MESSAGE_TOO_BIG,
    CLOSE_POLICY_VIOLATION,
    CLOSE_TICKET_REFUSED,
    TOO_MANY_CONNECTIONS,
    Connection,
)
from sockets.hub import get_hub

logger = logging.getLogger(__name__)

CONNECTED_FRAME = wire.frame("v1.connected", {})


class SocketConsumer(AsyncWebsocketConsumer):
    # No per-connection channel: get_channel_layer() answers None for an alias that is not
    # configured, and every group membership goes through the hub instead.
    channel_layer_alias = None

    connection = None
    hub = None

    async def __call__(self, scope, receive, send):
        # Whatever ends the handler (a close, an exception, a cancellation by the server), the
        # connection leaves the hub, its counters go down and the close hooks run.
        try:
            await self._serve(scope, receive, send)
        finally:
            await self._clean_up()

    async def _serve(self, scope, receive, send):
        """Channels' AsyncConsumer.__call__ for a consumer without a channel layer: each event is
        received, then dispatched, in turn, as its `await_many_dispatch` does with one source —
        without the task and the `asyncio.wait` that spends on every event, every frame of the
        socket (13 % of a channel message's instructions at N=1, `python -m bench.instructions`)."""
        self.scope = scope
        self.channel_layer = None
        self.base_send = send
        try:
            while True:
                await self.dispatch(await receive())
        except StopConsumer:
            pass

    async def dispatch(self, message):
        # Channels >= 4.2 hops to a thread before every event to close stale database
        # connections. Our database work runs on sockets/workers.py's threads, which do that
        # themselves, so the per-frame path stays on the event loop.
        await getattr(self, get_handler_name(message))(message)

    async def connect(self):
        # Validation happens after the upgrade: refusing is "accept, then close 3000"
        # (docs/socket.md §3).
        await self.accept()
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        ticket = query.get("ticket", [""])[0]
        grant = await registry.authenticate(ticket)
        if grant is None:
            await self.close(code=CLOSE_TICKET_REFUSED)
            return
        client_ip = (self.scope.get("client") or ["unknown"])[0]
        hub = await get_hub()
        if not hub.admits(grant, client_ip):
            await self.close(code=CLOSE_POLICY_VIOLATION, reason=TOO_MANY_CONNECTIONS)
            return
        self.hub = hub
        # An option is on only when its parameter is exactly "1" (docs/extensions.md §X1.1).
        options = frozenset(name for name in registry.connection_options if query.get(name, [""])[0] == "1")
        # Set before registering: _clean_up undoes a partial register.
        self.connection = Connection(self, grant, client_ip, options)
        await hub.register(self.connection)
        metrics.totals["connections_opened"] += 1
        await self.connection.deliver(CONNECTED_FRAME)

    async def receive(self, text_data=None, bytes_data=None):
        connection = self.connection
        if connection is None or connection.closed:
            return
        connection.frames_in += 1
        if text_data is None:
            # Binary frames are processed as text, like Talo (docs/socket.md §1).
            text_data = bytes_data.decode("utf-8", errors="replace")
        if len(text_data) > settings.TALO_SOCKET["MAX_FRAME_BYTES"] // 4 and (
            len(text_data.encode("utf-8", errors="surrogatepass")) > settings.TALO_SOCKET["MAX_FRAME_BYTES"]
        ):
            # docs/differences.md row 5; the server's own frame limit normally closes first.
            connection.close_socket(CLOSE_MESSAGE_TOO_BIG)
            return
        try:
            await router.handle_frame(connection, text_data)
        except Exception:
            # The router answers every failure itself; this is the last guard of the handler.
            router.log_failure(connection, "a frame")

    async def websocket_disconnect(self, message):
        # Channels' handler also ends with a hop to its one thread-sensitive thread to close stale
        # database connections (see dispatch): in a storm of closes every close queued there.
        await self.disconnect(message["code"])
        raise StopConsumer()

    async def disconnect(self, code):
        if self.connection is not None:
            metrics.closed(code)
        await self._clean_up()

    async def _clean_up(self):
        """Once per connection: leave the hub (groups, per-key and per-IP counters), then the
        apps' close hooks (presence)."""
        connection, self.connection = self.connection, None
        if connection is None:
            return
        connection.closed = True
        try:
            await self.hub.unregister(connection)
        except Exception:
            logger.exception("socket: leaving the hub failed (%s)", router.describe(connection))
        for hook in registry.close_hooks:
            try:
                await hook(connection)
            except Exception:
                logger.exception("socket: a close hook failed (%s)", router.describe(connection))
