"""The server's socket under a connection, reached directly.

ASGI's `websocket.send` makes the server frame every message again for every socket, and it has
no usable backpressure: daphne buffers whatever it is given, uvicorn makes the sender wait while a
socket's buffer is full — which would stall a whole fan-out behind one slow reader. Under the two
servers we run on, a connection therefore writes frames straight to its transport: a server's
text frame is not masked, so a fan-out frames a message once and writes the same bytes to every
recipient (docs/architecture.md). The unsent bytes each write reports drive the slow-consumer guard (docs/differences.md
row 9). Under any other server (or a test double) `server_socket` answers None and the connection
uses ASGI send.
"""

import struct

from sockets.wire import encodable

from daphne.ws_protocol import WebSocketProtocol as DaphneProtocol
from twisted.internet.tcp import Connection as TwistedTCP
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol as UvicornProtocol

_FIN_TEXT = 0x81


def text_frame(text):
    """An unmasked, final WebSocket text frame carrying `text` (RFC 6455 §5.2)."""
    try:
        payload = text.encode()
    except UnicodeEncodeError:  # a lone surrogate: never written as invalid UTF-8
        payload = encodable(text).encode()
    length = len(payload)
    if length < 126:
        return bytes((_FIN_TEXT, length)) + payload
    if length < 1 << 16:
        return struct.pack("!BBH", _FIN_TEXT, 126, length) + payload
    return struct.pack("!BBQ", _FIN_TEXT, 127, length) + payload


class DaphneSocket:
    """daphne: `send` is functools.partial(server.handle_reply, protocol), an autobahn protocol
    on a Twisted transport.

    A Twisted `transport.write` only buffers: it registers the socket for writability and the
    bytes go out on a later reactor turn (two epoll_ctl calls, a wake-up and Twisted's logging
    context per write). asyncio's transports send at once and buffer only what the kernel does not
    take; so do we, on a plain TCP transport whose buffer is empty (anything already buffered goes
    first, through Twisted)."""

    def __init__(self, protocol):
        self._protocol = protocol
        self._transport = transport = protocol.transport
        self._sock = transport.socket if isinstance(transport, TwistedTCP) else None

    def write(self, frame):
        """Write a frame if the socket is open (no close frame sent or received): the bytes still
        unsent after it, or None if nothing was written."""
        if self._protocol.state != self._protocol.STATE_OPEN:
            return None
        transport = self._transport
        if self._sock is None or transport.dataBuffer or transport._tempDataLen or not transport.connected or transport.disconnecting:
            transport.write(frame)
            return self._unsent()
        try:
            sent = self._sock.send(frame)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError:
            # The connection is gone: Twisted finds out on its next read or write of it.
            return 0
        if sent < len(frame):
            transport.write(frame[sent:])
            return self._unsent()
        return 0

    def _unsent(self):
        transport = self._transport
        return len(transport.dataBuffer) - transport.offset + transport._tempDataLen

    def abort(self):
        self._transport.abortConnection()


class UvicornSocket:
    """uvicorn (websockets-sansio): `send` is a bound method of the protocol, which holds an
    asyncio transport and tracks whether its close frame went out."""

    def __init__(self, protocol):
        self._protocol = protocol
        self._transport = protocol.transport

    def write(self, frame):
        """As DaphneSocket.write."""
        transport = self._transport
        if self._protocol.close_sent or transport.is_closing():
            return None
        transport.write(frame)
        return transport.get_write_buffer_size()

    def abort(self):
        self._transport.abort()


def server_socket(send):
    """The socket behind an ASGI `send` callable, or None under a server we do not know."""
    args = getattr(send, "args", None)
    if args and isinstance(args[0], DaphneProtocol):
        return DaphneSocket(args[0])
    protocol = getattr(send, "__self__", None)
    if isinstance(protocol, UvicornProtocol):
        return UvicornSocket(protocol)
    return None
