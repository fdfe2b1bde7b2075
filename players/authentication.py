"""Access-key authentication with Talo's exact 401 bodies (docs/rest.md §2.3)."""

import hmac

from django.utils import timezone
from rest_framework import authentication, exceptions

from players import key_cache
from players.models import AccessKey
from players.services.keys import hash_token, parse_token

AUTHENTICATION_ERROR = "Authentication Error"
BAD_FORMAT = 'Bad Authorization header format. Format is "Authorization: Bearer <token>"'
INVALID_TOKEN = "Please provide a valid token in the Authorization header"
UNAUTHORIZED = "Unauthorized"

# last_used_at is a hint for operators: written at most once a minute per key.
LAST_USED_RESOLUTION_SECONDS = 60


class AccessKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <token>` → request.auth is the AccessKey (its game is read on first
    use). The key comes from the per-process cache (players/key_cache.py)."""

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION")
        if header is None:
            raise exceptions.AuthenticationFailed(AUTHENTICATION_ERROR)
        parts = header.split(" ")
        if len(parts) != 2 or parts[0].lower() != "bearer" or not parts[1]:
            raise exceptions.AuthenticationFailed(BAD_FORMAT)
        if parts[0] != "Bearer":
            # Talo splits on the exact text "Bearer " and so finds no token (docs/rest.md §2.3).
            raise exceptions.AuthenticationFailed(INVALID_TOKEN)
        token = parts[1]
        key_id = parse_token(token)
        if key_id is None:
            raise exceptions.AuthenticationFailed(INVALID_TOKEN)
        key = key_cache.get(key_id)
        if key is None:
            raise exceptions.AuthenticationFailed(UNAUTHORIZED)
        if not hmac.compare_digest(key.token_hash, hash_token(token)) or key.is_revoked:
            raise exceptions.AuthenticationFailed(INVALID_TOKEN)
        now = timezone.now()
        if key.last_used_at is None or (now - key.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS:
            AccessKey.objects.filter(id=key.id).update(last_used_at=now)
            key.last_used_at = now
            key_cache.used(key.id, now)
        return (None, key)

    def authenticate_header(self, request):
        return "Bearer"
