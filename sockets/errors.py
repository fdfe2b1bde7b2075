"""`v1.error` frames (docs/socket.md §11): codes and exact messages, defined once, and the one
exception a request handler raises to be answered with one."""

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


def missing_scopes_message(missing):
    """The message of MISSING_ACCESS_KEY_SCOPES, and of REST's 403 (docs/rest.md §2.4)."""
    return "Missing access key scope(s): " + ", ".join(missing)


class RequestError(Exception):
    """Raised while handling a socket request; the router answers it once as a `v1.error` frame
    of `code`. A LISTENER_ERROR carries the exception's message as its `cause`: it is ours and
    safe to show to clients (any other exception's text never is, docs/differences.md row 6)."""

    code = LISTENER_ERROR

    def frame(self, req):
        return error_frame(self.code, req, cause=str(self) if self.code == LISTENER_ERROR else None)


class FrameTooLarge(RequestError):
    """A change whose push frame would be larger than the socket frame limit (MAX_FRAME_BYTES):
    refused before it is written, so that no write can make the server send a frame it would not
    accept itself (docs/differences.md row 12). REST answers it 400 with this message."""

    def __init__(self, limit):
        super().__init__(f"This change would make a socket message larger than {limit} bytes")
