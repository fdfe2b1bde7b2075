"""`v1.error` frames (socket.md §11): codes and exact messages, defined once."""

from sockets import wire

RES_ERROR = "v1.error"
UNKNOWN_REQ = "unknown"

RATE_LIMIT_EXCEEDED = "RATE_LIMIT_EXCEEDED"
ROUTING_ERROR = "ROUTING_ERROR"
INVALID_MESSAGE = "INVALID_MESSAGE"
INVALID_SIGNATURE = "INVALID_SIGNATURE"
NO_PLAYER_FOUND = "NO_PLAYER_FOUND"
MISSING_ACCESS_KEY_SCOPES = "MISSING_ACCESS_KEY_SCOPES"
INVALID_MESSAGE_DATA = "INVALID_MESSAGE_DATA"
LISTENER_ERROR = "LISTENER_ERROR"
INVALID_SOCKET_TOKEN = "INVALID_SOCKET_TOKEN"
INVALID_SESSION_TOKEN = "INVALID_SESSION_TOKEN"

MESSAGES = {
    RATE_LIMIT_EXCEEDED: "Rate limit exceeded",
    ROUTING_ERROR: "An error occurred while routing the message",
    INVALID_MESSAGE: "Invalid message request",
    INVALID_SIGNATURE: "Invalid signature",
    NO_PLAYER_FOUND: "You must identify a player before sending this request",
    INVALID_MESSAGE_DATA: "Invalid message data for request",
    LISTENER_ERROR: "An error occurred while processing the message",
    INVALID_SOCKET_TOKEN: "Invalid socket token",
    INVALID_SESSION_TOKEN: "Invalid session token",
}


def error_frame(code, req, *, message=None, cause=None):
    data = {"req": req, "message": message or MESSAGES[code], "errorCode": code}
    if cause is not None:
        data["cause"] = cause
    return wire.frame(RES_ERROR, data)


class ListenerError(Exception):
    """Raised by a request handler: answered as LISTENER_ERROR with this message as the cause.
    The message is ours and safe to show to clients; anything else is never shown."""


class SoftError(Exception):
    """Raised by a handler to answer with its own error code (INVALID_SOCKET_TOKEN, …)."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code
