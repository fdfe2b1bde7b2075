"""Talo player-auth session tokens (docs/rest.md §5.4): HS256 JWTs signed with the player's current
session key, so replacing the key (login, refresh) or clearing it (logout) invalidates every older
token. Refresh tokens are signed with `<sessionKey>:refresh` and so never verify as sessions."""

import secrets
from datetime import timedelta

import jwt
from django.utils import timezone

SESSION_WITH_REFRESH_LIFETIME = timedelta(minutes=15)
REFRESH_LIFETIME = timedelta(days=30)
ALGORITHM = "HS256"


def new_session_key():
    return secrets.token_hex(32)


def _refresh_key(session_key):
    return f"{session_key}:refresh"


def encode_session(*, session_key, player_id, alias_id, with_refresh):
    """(session token, refresh token or None) for a session key that was just set."""
    claims = {"playerId": str(player_id), "aliasId": alias_id}
    now = timezone.now()
    if not with_refresh:
        return jwt.encode(claims, session_key, algorithm=ALGORITHM), None
    session = jwt.encode({**claims, "exp": now + SESSION_WITH_REFRESH_LIFETIME}, session_key, algorithm=ALGORITHM)
    refresh = jwt.encode({**claims, "exp": now + REFRESH_LIFETIME}, _refresh_key(session_key), algorithm=ALGORITHM)
    return session, refresh


def _decode(token, key):
    if not key or not isinstance(token, str) or not token:
        return None
    try:
        claims = jwt.decode(token, key, algorithms=[ALGORITHM])
    except jwt.PyJWTError:
        return None
    return claims if isinstance(claims, dict) else None


def session_claims(*, token, session_key):
    """The claims of a valid, unexpired session token for this key, else None."""
    return _decode(token, session_key)


def refresh_claims(*, token, session_key):
    return _decode(token, _refresh_key(session_key) if session_key else None)


def unverified_player_id(token):
    """The player a refresh token names, to find whose key to verify it with."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    return claims.get("playerId") if isinstance(claims, dict) else None


def claims_match(claims, *, player_id, alias_id):
    return (
        claims is not None
        and str(claims.get("playerId")) == str(player_id)
        and str(claims.get("aliasId")) == str(alias_id)
    )
