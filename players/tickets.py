"""One-time socket tickets (docs/socket.md §2), kept in the Django cache (Redis when REDIS_URL is
set), and their redemption when a socket connects."""

import uuid

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

from players import key_cache
from sockets.connection import Grant
from sockets.workers import run_work
from talo_project import cache as shared_cache


def _cache_key(ticket):
    return f"socketTickets.{ticket}"


def create_ticket(*, access_key, dev_build):
    ticket = str(uuid.uuid4())
    cache.set(_cache_key(ticket), f"{access_key.id}:{1 if dev_build else 0}", settings.TALO_SOCKET["TICKET_TTL"])
    return ticket


async def redeem_ticket(ticket):
    """On the event loop: consume the ticket and check its key; a Grant, or None for every kind of
    refusal. The ticket is taken with one Redis command sent from the loop, and the key comes from
    the process's key cache: only a key not cached yet is loaded on a worker thread."""
    value = await _consume_ticket_on_loop(ticket)
    if value is None:
        return None
    # The value also records the x-talo-dev-build flag (docs/rest.md §4); no socket request reads it.
    key_id = int(value.partition(":")[0])
    fields = key_cache.cached_grant_fields(key_id)
    if fields is key_cache.NOT_CACHED:
        fields = await run_work(key_cache.grant_fields, key_id)
    if fields is None:
        return None
    key, verify_requests = fields
    return Grant(key_id=key["id"], game_id=key["game_id"], scopes=frozenset(key["scopes"]), verify_requests=verify_requests)


async def _consume_ticket_on_loop(ticket):
    """Burn the ticket and return its stored value, or None. Atomic: of several sockets racing one
    ticket only the one whose delete removed the entry wins (docs/differences.md row 1)."""
    if not ticket or len(ticket) > 100:
        return None
    key = _cache_key(ticket)
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        return await shared_cache.getdel_on_loop(backend, key)
    # The in-process cache: nothing to wait for.
    value = cache.get(key)
    if value is None or not cache.delete(key):
        return None
    return value
