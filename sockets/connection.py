"""One open socket's state, as the hub and the request handlers see it."""

import uuid

from players.scopes import FULL_ACCESS


class Connection:
    def __init__(self, consumer, grant):
        self._consumer = consumer
        self.grant = grant
        self.connection_id = uuid.uuid4().hex
        self.groups = set()
        self.alias_id = None
        self.player_id = None
        self.alias_data = None  # the identified alias (PlayerAlias JSON) for payloads that name the sender
        # Every player this connection identified as -> the last alias it used for that player: the
        # connection counts towards each one's presence until it closes (DECISIONS.md row 2).
        self.presence_aliases = {}
        self.closed = False
        self._full_access = FULL_ACCESS in grant.scopes

    def has_scope(self, scope):
        return self._full_access or scope in self.grant.scopes

    async def deliver(self, text):
        if not self.closed:
            await self._consumer.base_send({"type": "websocket.send", "text": text})

    async def close_socket(self, code, reason=None):
        if not self.closed:
            self.closed = True
            await self._consumer.close(code=code, reason=reason)
