"""The request pipeline for one incoming frame (docs/socket.md §5), in the documented order:
rate limit → heartbeat → JSON → envelope and request name → signature → player → scope →
payload schema → the registered handler. Every failure is answered with its `v1.error`."""

import logging

from sockets import errors, registry, schemas, wire
from sockets.connection import CLOSE_POLICY_VIOLATION

logger = logging.getLogger(__name__)

HEARTBEAT = "v1.heartbeat"
RATE_LIMITED = errors.error_frame(errors.RATE_LIMIT_EXCEEDED, errors.UNKNOWN_REQ)
UNEXPECTED_CAUSE = "An unexpected error occurred"


async def handle_frame(connection, text):
    limiter = connection.rate_limiter
    if not limiter.allow(connection.alias_id is not None):
        if limiter.warn():
            await connection.deliver(RATE_LIMITED)
        else:
            connection.close_socket(CLOSE_POLICY_VIOLATION, errors.RATE_LIMIT_EXCEEDED)
        return
    if text == HEARTBEAT:
        limiter.heartbeat()
        await connection.deliver(HEARTBEAT)
        return

    signature = None
    json_text = text
    if connection.grant.verify_requests and "\n" in text:
        signature, _, json_text = text.partition("\n")
    req = errors.UNKNOWN_REQ
    try:
        try:
            envelope = wire.loads(json_text)
        except wire.InvalidJSON:
            await connection.deliver(errors.error_frame(errors.ROUTING_ERROR, errors.UNKNOWN_REQ))
            return
        request = _envelope_request(envelope)
        if request is None:
            await connection.deliver(errors.error_frame(errors.INVALID_MESSAGE, errors.UNKNOWN_REQ, cause=text))
            return
        req = envelope["req"]
        if connection.grant.verify_requests and connection.alias_id is not None:
            if signature is None or not await registry.signature_valid(connection, signature, json_text):
                await connection.deliver(errors.error_frame(errors.INVALID_SIGNATURE, req))
                return
    except Exception:
        logger.exception("socket: routing failed")
        await connection.deliver(errors.error_frame(errors.ROUTING_ERROR, req))
        return

    if request.requires_player and connection.alias_id is None:
        await connection.deliver(errors.error_frame(errors.NO_PLAYER_FOUND, req))
        return
    if not connection.has_scope(request.scope):
        message = errors.missing_scopes_message([request.scope])
        await connection.deliver(errors.error_frame(errors.MISSING_ACCESS_KEY_SCOPES, req, message=message))
        return
    data = envelope["data"]
    try:
        payload = request.schema.validate(data)
    except schemas.SchemaError:
        await connection.deliver(errors.error_frame(errors.INVALID_MESSAGE_DATA, req, cause=wire.js_dumps(data)))
        return
    try:
        await request.handler(connection, payload)
    except errors.RequestError as exc:
        await connection.deliver(exc.frame(req))
    except Exception:
        # Never a library's text or a stack trace to a client (docs/differences.md row 6).
        logger.exception("socket: %s handler failed", req)
        await connection.deliver(errors.error_frame(errors.LISTENER_ERROR, req, cause=UNEXPECTED_CAUSE))


def _envelope_request(envelope):
    if not isinstance(envelope, dict):
        return None
    req = envelope.get("req")
    if not isinstance(req, str) or not isinstance(envelope.get("data"), dict):
        return None
    return registry.requests.get(req)
