"""The request pipeline for one incoming frame (docs/socket.md §5), in the documented order:
rate limit → heartbeat → JSON → envelope and request name → signature → player → scope →
payload schema → the registered handler. Every failure is answered with its `v1.error`."""

import logging

from sockets import errors, metrics, registry, schemas, wire
from sockets.connection import CLOSE_POLICY_VIOLATION

logger = logging.getLogger(__name__)

HEARTBEAT = "v1.heartbeat"
RATE_LIMITED = errors.error_frame(errors.RATE_LIMIT_EXCEEDED, errors.UNKNOWN_REQ)
UNEXPECTED_CAUSE = "An unexpected error occurred"


async def handle_frame(connection, text):
    limiter = connection.rate_limiter
    if not limiter.allow(connection.alias_id is not None):
        metrics.frames_received["unread"] += 1
        if limiter.warn():
            metrics.errors[errors.RATE_LIMIT_EXCEEDED] += 1
            await connection.deliver(RATE_LIMITED)
        else:
            metrics.totals["rate_limit_closes"] += 1
            connection.close_socket(CLOSE_POLICY_VIOLATION, errors.RATE_LIMIT_EXCEEDED)
        return
    if text == HEARTBEAT:
        metrics.frames_received[HEARTBEAT] += 1
        limiter.heartbeat()
        await connection.deliver(HEARTBEAT)
        return

    req = errors.UNKNOWN_REQ
    failure = errors.ROUTING_ERROR  # what an unexpected exception is answered as, by step (§5)
    try:
        signature = None
        json_text = text
        if connection.grant.verify_requests and "\n" in text:
            signature, _, json_text = text.partition("\n")
        try:
            envelope = wire.loads(json_text)
        except wire.InvalidJSON:
            metrics.frames_received["invalid"] += 1
            await _error(connection, errors.ROUTING_ERROR, errors.UNKNOWN_REQ)
            return
        request = _envelope_request(envelope)
        # Only registered names are labels: a client must not grow the metrics with made-up ones.
        metrics.frames_received["invalid" if request is None else request.name] += 1
        if request is None:
            await _error(connection, errors.INVALID_MESSAGE, errors.UNKNOWN_REQ, cause=text)
            return
        req = envelope["req"]
        if connection.grant.verify_requests and connection.alias_id is not None:
            if signature is None or not await registry.signature_valid(connection, signature, json_text):
                await _error(connection, errors.INVALID_SIGNATURE, req)
                return

        failure = errors.LISTENER_ERROR
        if request.requires_player and connection.alias_id is None:
            await _error(connection, errors.NO_PLAYER_FOUND, req)
            return
        if not connection.has_scope(request.scope):
            message = errors.missing_scopes_message([request.scope])
            await _error(connection, errors.MISSING_ACCESS_KEY_SCOPES, req, message=message)
            return
        data = envelope["data"]
        failure = errors.INVALID_MESSAGE_DATA  # without its cause if that cannot be written
        try:
            payload = request.schema.validate(data)
        except schemas.SchemaError:
            await _error(connection, errors.INVALID_MESSAGE_DATA, req, cause=wire.js_dumps(data))
            return
        failure = errors.LISTENER_ERROR
        try:
            await request.handler(connection, payload)
        except errors.RequestError as exc:
            metrics.errors[exc.code] += 1
            await connection.deliver(exc.frame(req))
    except Exception:
        # Whatever failed, the connection lives on (docs/socket.md §5): logged once, answered
        # with the step's generic error — never a library's text or a stack trace (docs/differences.md row 6).
        log_failure(connection, req)
        try:
            await _error(connection, failure, req, cause=UNEXPECTED_CAUSE if failure == errors.LISTENER_ERROR else None)
        except Exception:
            logger.exception("socket: could not answer a failed frame (%s)", describe(connection))


def describe(connection):
    """The ids that name a connection in the log."""
    grant = connection.grant
    return (
        f"connection {connection.connection_id}, key {grant.key_id}, game {grant.game_id}, "
        f"alias {connection.alias_id}, ip {connection.client_ip}"
    )


def log_failure(connection, req):
    logger.exception("socket: %s failed (%s)", req, describe(connection))


def _envelope_request(envelope):
    if not isinstance(envelope, dict):
        return None
    req = envelope.get("req")
    if not isinstance(req, str) or not isinstance(envelope.get("data"), dict):
        return None
    return registry.requests.get(req)


async def _error(connection, code, req, **details):
    metrics.errors[code] += 1
    await connection.deliver(errors.error_frame(code, req, **details))
