"""Daphne 4.2 drops the `reason` of an ASGI `websocket.close`; the protocol needs it for the rate
limit close (1008 `RATE_LIMIT_EXCEEDED`, socket.md §3.2). Installed by `manage.py serve`."""

from daphne.ws_protocol import WebSocketProtocol

_original_handle_reply = WebSocketProtocol.handle_reply


def _handle_reply(self, message):
    if message.get("type") == "websocket.close" and message.get("reason") and self.state == self.STATE_OPEN:
        self.sendClose(code=message.get("code") or 1000, reason=message["reason"])
        return
    _original_handle_reply(self, message)


def install():
    WebSocketProtocol.handle_reply = _handle_reply
