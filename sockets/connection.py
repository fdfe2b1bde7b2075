"""One open socket's state, as the hub and the request handlers see it."""

import asyncio
import logging
import time
import uuid

from django.conf import settings

from players.scopes import FULL_ACCESS
from sockets import backpressure
from sockets.rate_limit import RateLimiter

logger = logging.getLogger(__name__)

CLOSE_POLICY_VIOLATION = 1008
SLOW_CONSUMER = "SLOW_CONSUMER"


class Connection:
    def __init__(self, consumer, grant, client_ip):
        self._consumer = consumer
        self.grant = grant
        self.client_ip = client_ip
        self.connection_id = uuid.uuid4().hex
        self.groups = set()
        self.alias_id = None
        self.player_id = None
        self.alias_data = None  # the identified alias (PlayerAlias JSON) for payloads that name the sender
        # Every player this connection identified as -> the last alias it used for that player: the
        # connection counts towards each one's presence until it closes (DECISIONS.md row 2).
        self.presence_aliases = {}
        self.closed = False
        self.rate_limiter = RateLimiter()
        self._full_access = FULL_ACCESS in grant.scopes
        self._unsent_bytes = backpressure.buffer_size_getter(consumer.base_send)
        self._backlogged_since = None

    def has_scope(self, scope):
        return self._full_access or scope in self.grant.scopes

    async def deliver(self, text):
        if self.closed:
            return
        await self._consumer.base_send({"type": "websocket.send", "text": text})
        if self._unsent_bytes is not None and self._unsent_bytes() > settings.TALO_SOCKET["SLOW_CONSUMER_BYTES"]:
            await self._backlogged()
        else:
            self._backlogged_since = None

    async def _backlogged(self):
        """DECISIONS.md row 9: a socket whose unsent data stays over the bound for the grace
        period, or grows past four times the bound, is closed (1008 SLOW_CONSUMER) and dropped
        soon after if it does not read its close frame either."""
        config = settings.TALO_SOCKET
        now = time.monotonic()
        if self._backlogged_since is None:
            self._backlogged_since = now
        over_cap = self._unsent_bytes() > 4 * config["SLOW_CONSUMER_BYTES"]
        if over_cap or now - self._backlogged_since > config["SLOW_CONSUMER_SECONDS"]:
            logger.warning(
                "closing a slow consumer: %d bytes unsent (key %s, %s)",
                self._unsent_bytes(), self.grant.key_id, self.client_ip,
            )
            await self.close_socket(CLOSE_POLICY_VIOLATION, SLOW_CONSUMER)
            asyncio.get_running_loop().call_later(5, backpressure.abort, self._consumer.base_send)

    async def close_socket(self, code, reason=None):
        if not self.closed:
            self.closed = True
            await self._consumer.close(code=code, reason=reason)
