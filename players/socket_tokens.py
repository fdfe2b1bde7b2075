"""Socket tokens (docs/socket.md §9.1): one current token per alias, 3600 s, replaced on each issue and
not consumed by use."""

import hmac
import uuid

from django.conf import settings
from django.core.cache import cache


def _cache_key(alias_id):
    return f"socketTokens.{alias_id}"


def issue_socket_token(*, alias_id):
    token = str(uuid.uuid4())
    cache.set(_cache_key(alias_id), token, settings.TALO_SOCKET["SOCKET_TOKEN_TTL"])
    return token


def socket_token_matches(*, alias_id, token):
    current = cache.get(_cache_key(alias_id))
    return current is not None and hmac.compare_digest(current.encode(), token.encode())
