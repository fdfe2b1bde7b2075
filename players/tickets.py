"""One-time socket tickets (docs/socket.md §2), kept in the Django cache (Redis when REDIS_URL is
set), and their redemption when a socket connects."""

import uuid

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

from players import key_cache
from sockets.connection import Grant


def _cache_key(ticket):
    return f"socketTickets.{ticket}"


def create_ticket(*, access_key, dev_build):
    ticket = str(uuid.uuid4())
    cache.set(_cache_key(ticket), f"{access_key.id}:{1 if dev_build else 0}", settings.TALO_SOCKET["TICKET_TTL"])
    return ticket


def consume_ticket(ticket):
    """Burn the ticket and return its stored value, or None. Atomic: of several sockets racing one
    ticket only the one whose delete removed the entry wins (docs/differences.md row 1)."""
    if not ticket or len(ticket) > 100:
        return None
    key = _cache_key(ticket)
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        # One round trip: Redis's GETDEL (Django's cache API has no get-and-delete).
        redis_key = backend.make_and_validate_key(key)
        value = backend._cache.get_client(redis_key, write=True).getdel(redis_key)
        return None if value is None else backend._cache._serializer.loads(value)
    value = cache.get(key)
    if value is None or not cache.delete(key):
        return None
    return value


def redeem_ticket(ticket):
    """Consume the ticket and check its key: a Grant, or None for every kind of refusal."""
    value = consume_ticket(ticket)
    if value is None:
        return None
    # The value also records the x-talo-dev-build flag (docs/rest.md §4); no socket request reads it.
    fields = key_cache.grant_fields(int(value.partition(":")[0]))
    if fields is None:
        return None
    key, verify_requests = fields
    return Grant(key_id=key["id"], game_id=key["game_id"], scopes=frozenset(key["scopes"]), verify_requests=verify_requests)
