"""Two protocol details daphne 4.2 gets wrong for us; installed by `manage.py serve`.

1. It drops the `reason` of an ASGI `websocket.close`, and autobahn refuses to let an
   application send any code but 1000 and 3000–4999; the rate limit close is 1008 with reason
   `RATE_LIMIT_EXCEEDED` (docs/socket.md §3.2).
2. Its autobahn factory "fails by drop": a frame over the size limit or a text frame that is not
   UTF-8 ends the TCP connection without a close frame (the client sees 1006). We send the close
   frame the RFC prescribes — 1009 for a frame too big (docs/differences.md row 5), 1007 for bad UTF-8.
"""

from daphne.ws_protocol import WebSocketFactory, WebSocketProtocol

_original_handle_reply = WebSocketProtocol.handle_reply
_original_factory_init = WebSocketFactory.__init__


def _handle_reply(self, message):
    if message.get("type") == "websocket.close" and self.state == self.STATE_OPEN:
        reason = (message.get("reason") or "").encode("utf-8")[:123]  # a close frame holds 125 bytes
        self.sendCloseFrame(code=message.get("code") or 1000, reasonUtf8=reason or None)
        return
    _original_handle_reply(self, message)


def _factory_init(self, *args, **kwargs):
    _original_factory_init(self, *args, **kwargs)
    self.setProtocolOptions(failByDrop=False)


def install():
    WebSocketProtocol.handle_reply = _handle_reply
    WebSocketFactory.__init__ = _factory_init
