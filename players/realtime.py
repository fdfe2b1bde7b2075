"""Players on the socket runtime (docs/architecture.md): who may connect (tickets), signed
requests, player-to-subscriber broadcasts, and closing the sockets of revoked or deleted keys: at
once when a key is deleted, and by the sweep (docs/socket.md §2, §8, §9.3, §13; docs/differences.md row 10)."""

import asyncio

from channels.db import database_sync_to_async
from django.conf import settings
from django.db.models.signals import post_delete

from players import key_cache, selectors, signatures, tickets
from players.models import AccessKey
from players.scopes import READ_PLAYER_BROADCASTS, WRITE_PLAYER_BROADCASTS
from players.services import keys
from sockets import events, registry, wire
from sockets.connection import CLOSE_TICKET_REFUSED
from sockets.hub import alias_group, game_group, key_group
from sockets.schemas import Object, String
from sockets.workers import run_work

REQ_BROADCAST = "v1.player-relationships.broadcast"
RES_BROADCAST = "v1.player-relationships.broadcast"
PLAYER_BROADCAST = Object(message=String())


def register():
    registry.authenticate_with(redeem)
    registry.verify_signatures_with(signature_valid)
    registry.register(REQ_BROADCAST, PLAYER_BROADCAST, WRITE_PLAYER_BROADCASTS, requires_player=True, handler=broadcast)
    registry.every(settings.TALO_SOCKET["REVOCATION_SWEEP_SECONDS"], close_revoked)
    registry.on_forget(forget_cached_keys)
    # However a key goes (the admin's Delete, its game deleted), its sockets go with it.
    post_delete.connect(key_deleted, sender=AccessKey, dispatch_uid="players.realtime.key_deleted")


KEY_GROUP_PREFIX = key_group("")
GAME_GROUP_PREFIX = game_group("")


def forget_cached_keys(group):
    """A revoked key (`key.<id>`) or a game whose settings changed (`game.<id>`) leaves the key cache."""
    if group.startswith(KEY_GROUP_PREFIX):
        key_cache.forget(int(group[len(KEY_GROUP_PREFIX):]))
    elif group.startswith(GAME_GROUP_PREFIX):
        key_cache.forget(game_id=int(group[len(GAME_GROUP_PREFIX):]))


async def redeem(ticket):
    return await tickets.redeem_ticket(ticket)


def key_deleted(sender, instance, **kwargs):
    """Like a revocation: no process keeps the key in its cache, and its sockets close."""
    keys.forget_cached_keys(key_id=instance.id)
    events.publish_close(key_group(instance.id), CLOSE_TICKET_REFUSED)


async def signature_valid(connection, signature, json_text):
    return await run_work(
        signatures.verify_signature,
        game_id=connection.grant.game_id, alias_id=connection.alias_id, signature=signature, payload_text=json_text
    )


async def broadcast(connection, payload):
    """docs/socket.md §9.3: one frame, serialised once, to each confirmed subscriber's alias group."""
    recipients = await run_work(selectors.confirmed_subscriber_alias_ids, alias_id=connection.alias_id)
    if not recipients:
        return
    text = wire.frame(RES_BROADCAST, {"message": payload["message"], "playerAlias": connection.alias_data})
    await asyncio.gather(
        *(
            events.apublish(events.frame_event(alias_group(alias_id), text, scope=READ_PLAYER_BROADCASTS, identified=True))
            for alias_id in recipients
        )
    )


def revoked_key_ids(key_ids):
    """The keys of `key_ids` that are revoked or no longer exist."""
    live = AccessKey.objects.filter(id__in=key_ids, revoked_at__isnull=True).values_list("id", flat=True)
    return set(key_ids) - set(live)


async def close_revoked(hub):
    """The catch-up for a revocation this process did not hear (it is published at once when it
    can be): close every local socket of a revoked key with 3000."""
    key_ids = {connection.grant.key_id for connection in hub.connections}
    if not key_ids:
        return
    revoked = await database_sync_to_async(revoked_key_ids)(key_ids)
    for key_id in revoked:
        # First: once its sockets are closed, a REST request with the key must not be served from
        # a copy cached before the revocation (players/key_cache.py).
        key_cache.forget(key_id)
    for connection in list(hub.connections):
        if connection.grant.key_id in revoked:
            connection.close_socket(CLOSE_TICKET_REFUSED)
