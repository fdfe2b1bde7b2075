"""How many bytes a socket has not yet sent: the slow-consumer guard (DECISIONS.md row 9).

ASGI offers no backpressure on `websocket.send`: a server buffers whatever the application sends.
So we read the size of the connection's outgoing buffer from the transport under the ASGI server
we know — daphne's Twisted transport, uvicorn's asyncio transport."""


def buffer_size_getter(send):
    """A zero-argument function returning the socket's unsent bytes, or None if unknown."""
    # daphne: send = functools.partial(server.handle_reply, protocol)
    args = getattr(send, "args", None)
    if args:
        transport = getattr(args[0], "transport", None)
        if transport is not None and hasattr(transport, "_tempDataLen") and hasattr(transport, "dataBuffer"):
            return lambda: len(transport.dataBuffer) - transport.offset + transport._tempDataLen
    # uvicorn: send is a bound method of the protocol, which holds an asyncio transport
    protocol = getattr(send, "__self__", None)
    transport = getattr(protocol, "transport", None)
    if transport is not None and hasattr(transport, "get_write_buffer_size"):
        return transport.get_write_buffer_size
    return None


def abort(send):
    """Drop the TCP connection of a socket that will not read its close frame."""
    args = getattr(send, "args", None)
    transport = getattr(args[0], "transport", None) if args else None
    if transport is None:
        transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None:
        return
    if hasattr(transport, "abortConnection"):
        transport.abortConnection()
    elif hasattr(transport, "abort"):
        transport.abort()
