"""Socket tokens (docs/socket.md §9.1): one current token per alias, 3600 s, replaced on each issue and
not consumed by use."""

import hmac
import uuid

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

from talo_project import cache as shared_cache


def _cache_key(alias_id):
    return f"socketTokens.{alias_id}"


def issue_socket_token(*, alias_id):
    token = str(uuid.uuid4())
    cache.set(_cache_key(alias_id), token, settings.TALO_SOCKET["SOCKET_TOKEN_TTL"])
    return token


async def socket_token_matches(*, alias_id, token):
    """On the event loop: whether `token` is the alias's current socket token. With Redis, one GET
    sent from the loop (a socket identify checks the token before any thread or query); the
    in-process cache has nothing to wait for."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        current = await shared_cache.get_on_loop(backend, _cache_key(alias_id))
    else:
        current = cache.get(_cache_key(alias_id))
    return current is not None and hmac.compare_digest(current.encode(), token.encode())
