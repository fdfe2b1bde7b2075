"""One open socket's state, as the hub and the request handlers see it."""

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass

from django.conf import settings

from sockets import metrics
from sockets.rate_limit import RateLimiter
from sockets.server_socket import server_socket, text_frame
from sockets.wire import encodable

logger = logging.getLogger(__name__)

# Close codes and reasons (docs/socket.md §3).
CLOSE_TICKET_REFUSED = 3000  # a bad, used or expired ticket; a revoked key
CLOSE_POLICY_VIOLATION = 1008
CLOSE_MESSAGE_TOO_BIG = 1009
CLOSE_DISCONNECTED = 4000  # an operator disconnected the socket (Django admin's live view)
SLOW_CONSUMER = "SLOW_CONSUMER"
TOO_MANY_CONNECTIONS = "TOO_MANY_CONNECTIONS"
DISCONNECTED = "DISCONNECTED"

FULL_ACCESS = "*"  # the scope that grants every scope (docs/rest.md §2.4)


@dataclass(frozen=True)
class Grant:
    """What a connection snapshots when its ticket is redeemed (docs/socket.md §2): the access key
    and game it acts for, the key's scopes, and whether the game verifies requests."""

    key_id: int
    game_id: int
    scopes: frozenset
    verify_requests: bool

    def has_scope(self, scope):
        return scope in self.scopes or FULL_ACCESS in self.scopes


class Connection:
    def __init__(self, consumer, grant, client_ip, options=frozenset()):
        self._consumer = consumer
        self.grant = grant
        self.client_ip = client_ip
        self.connection_id = uuid.uuid4().hex
        self.connected_at = time.time()
        self.frames_in = 0  # plain ints: read by the live view (sockets.live), never a metric call per frame
        self.frames_out = 0
        self.groups = set()
        self.alias_id = None  # the identified alias: the hub's filters and the sender of frames
        self.alias_data = None  # the identified alias (PlayerAlias JSON) for payloads that name the sender
        self.state = {}  # what the domain apps keep per connection, by app
        self.options = options  # the connection options it opted in to (sockets.registry.connection_option)
        self.closed = False
        self.rate_limiter = RateLimiter()
        self._full_access = FULL_ACCESS in grant.scopes  # has_scope runs per recipient of a fan-out
        self._socket = server_socket(consumer.base_send)
        # True when frames can be written straight to the socket (`write`), as a fan-out does.
        self.direct = self._socket is not None
        self._slow_consumer_bytes = settings.TALO_SOCKET["SLOW_CONSUMER_BYTES"]
        self._backlogged_since = None
        self._closing = None

    def has_scope(self, scope):
        return self._full_access or scope in self.grant.scopes

    async def deliver(self, text, frame=None):
        """Send one text frame. A fan-out passes `frame`, the text framed once for all recipients;
        nothing here waits for the client to read."""
        if self.closed:
            return
        if frame is None:  # a reply to this connection alone; a fan-out counts its frames once
            metrics.frames_sent[metrics.response_name(text)] += 1
        if self._socket is None:
            self.frames_out += 1
            await self._consumer.base_send({"type": "websocket.send", "text": encodable(text)})
        else:
            self.write(frame or text_frame(text))

    def write(self, frame):
        """Write a framed text straight to the socket of a `direct` connection: a fan-out's path,
        with no coroutine per recipient (sockets.hub.Hub._deliver)."""
        if self.closed:
            return
        unsent = self._socket.write(frame)
        if unsent is None:
            return
        self.frames_out += 1
        if unsent > self._slow_consumer_bytes or self._backlogged_since is not None:
            self._guard_backlog(unsent)

    def _guard_backlog(self, unsent):
        """docs/differences.md row 9: a socket whose unsent data stays over the bound for the grace
        period, or grows past four times the bound, is closed (1008 SLOW_CONSUMER) and dropped
        soon after if it does not read its close frame either."""
        if unsent <= self._slow_consumer_bytes:
            self._backlogged_since = None
            return
        now = time.monotonic()
        if self._backlogged_since is None:
            self._backlogged_since = now
        if unsent > 4 * self._slow_consumer_bytes or now - self._backlogged_since > settings.TALO_SOCKET["SLOW_CONSUMER_SECONDS"]:
            logger.warning("closing a slow consumer: %d bytes unsent (key %s, %s)", unsent, self.grant.key_id, self.client_ip)
            metrics.totals["slow_consumer_closes"] += 1
            self.close_socket(CLOSE_POLICY_VIOLATION, SLOW_CONSUMER)
            asyncio.get_running_loop().call_later(5, self._socket.abort)

    def close_socket(self, code, reason=None):
        """Start the closing handshake, once. It does not wait: under uvicorn an ASGI send waits
        while the socket's buffer is full, and no caller (a fan-out, above all) may wait on one client."""
        if not self.closed:
            self.closed = True
            self._closing = asyncio.ensure_future(self._close(code, reason))

    async def _close(self, code, reason):
        try:
            await self._consumer.close(code=code, reason=reason)
        except OSError:  # uvicorn: the client went away first, nothing left to close
            pass
