"""The request pipeline for one incoming frame (socket.md §5), in the spec's order."""

import logging
from dataclasses import dataclass

from channels.db import database_sync_to_async

from players.scopes import missing_scopes_message
from sockets import errors, handlers, schemas, wire
from sockets.connection import CLOSE_POLICY_VIOLATION
from sockets.signatures import verify_signature

logger = logging.getLogger(__name__)

HEARTBEAT = "v1.heartbeat"


@dataclass(frozen=True)
class Request:
    handler: object
    schema: schemas.Object
    scope: str
    requires_player: bool


IDENTIFY = Request(handlers.identify, schemas.IDENTIFY, "read:players", requires_player=False)
REQUESTS = {
    "v1.players.identify": IDENTIFY,
    "v1.channels.message": Request(
        handlers.channel_message, schemas.CHANNEL_MESSAGE, "write:gameChannels", requires_player=True
    ),
    "v1.player-relationships.broadcast": Request(
        handlers.player_broadcast, schemas.PLAYER_BROADCAST, "write:playerBroadcasts", requires_player=True
    ),
    # DECISIONS.md row 7: the spelling in Talo's docs is accepted as the same request.
    "v1.players.identified": IDENTIFY,
}


RATE_LIMITED = errors.error_frame(errors.RATE_LIMIT_EXCEEDED, errors.UNKNOWN_REQ)


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
            if not await _signature_valid(connection, signature, json_text):
                await connection.deliver(errors.error_frame(errors.INVALID_SIGNATURE, req))
                return
    except Exception:
        logger.exception("socket: routing failed")
        await connection.deliver(errors.error_frame(errors.ROUTING_ERROR, req))
        return

    await _run_request(connection, req, request, envelope["data"])


async def _signature_valid(connection, signature, json_text):
    if signature is None:
        return False
    return await database_sync_to_async(verify_signature)(
        game_id=connection.grant.game_id, alias_id=connection.alias_id, signature=signature, payload_text=json_text
    )


def _envelope_request(envelope):
    if not isinstance(envelope, dict):
        return None
    req = envelope.get("req")
    if not isinstance(req, str) or not isinstance(envelope.get("data"), dict):
        return None
    return REQUESTS.get(req)


async def _run_request(connection, req, request, data):
    if request.requires_player and connection.alias_id is None:
        await connection.deliver(errors.error_frame(errors.NO_PLAYER_FOUND, req))
        return
    if not connection.has_scope(request.scope):
        message = missing_scopes_message([request.scope])
        await connection.deliver(errors.error_frame(errors.MISSING_ACCESS_KEY_SCOPES, req, message=message))
        return
    try:
        payload = request.schema.validate(data)
    except schemas.SchemaError:
        await connection.deliver(errors.error_frame(errors.INVALID_MESSAGE_DATA, req, cause=wire.js_dumps(data)))
        return
    try:
        await request.handler(connection, payload)
    except errors.SoftError as exc:
        await connection.deliver(errors.error_frame(exc.code, req))
    except errors.ListenerError as exc:
        await connection.deliver(errors.error_frame(errors.LISTENER_ERROR, req, cause=str(exc)))
    except Exception:
        # Never a library's text or a stack trace to a client (DECISIONS.md row 6).
        logger.exception("socket: %s handler failed", req)
        cause = "An unexpected error occurred"
        await connection.deliver(errors.error_frame(errors.LISTENER_ERROR, req, cause=cause))
