"""Request signature verification (docs/socket.md §8), shared by the socket and REST
(`x-talo-signature`, docs/rest.md §2.6): one rid store and one latest-timestamp per alias.

Signature: `<keyVersion>|<headerB64>.<sigB64>`; header = base64(JSON {rid, payload, timestamp});
payload = lowercase hex SHA-256 of the signed JSON text; sig = HMAC-SHA256(secret, headerB64).
"""

import base64
import binascii
import hashlib
import hmac
import json
import time

from django.core.cache import cache

from players import secrets
from players.models import VerificationKey

SLIDING_WINDOW_MS = 60_000
CLOCK_WINDOW_MS = 300_000
STORE_TTL = 600
SECRET_CACHE_SECONDS = 30

_secret_cache = {}  # (game_id, version) -> (secret or None, expires at)


def _b64decode(text):
    text = text.replace("-", "+").replace("_", "/")
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def _secret(game_id, version):
    """The verification secret, cached briefly in process: signed frames stay off the database.
    A version that does not exist is not cached, so a key added on any process is seen at once;
    a replaced secret reaches other processes within SECRET_CACHE_SECONDS."""
    now = time.monotonic()
    cached = _secret_cache.get((game_id, version))
    if cached is not None and cached[1] > now:
        return cached[0]
    key = VerificationKey.objects.filter(game_id=game_id, version=version).first()
    if key is None:
        return None
    secret = secrets.decrypt(key.encrypted_secret)
    _secret_cache[(game_id, version)] = (secret, now + SECRET_CACHE_SECONDS)
    return secret


def forget_secrets(game_id):
    """Drop this process's cached secrets of the game (its verification keys changed)."""
    for cache_key in [k for k in _secret_cache if k[0] == game_id]:
        _secret_cache.pop(cache_key, None)


def verify_signature(*, game_id, alias_id, signature, payload_text, now_ms=None):
    """True when `signature` signs `payload_text` for this game and alias, and is fresh and new."""
    if not signature:
        return False
    version, bar, token = signature.partition("|")
    header_b64, dot, sig_b64 = token.partition(".")
    if not bar or not dot:
        return False
    try:
        header = json.loads(_b64decode(header_b64))
        expected_sig = _b64decode(sig_b64)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return False
    if not isinstance(header, dict):
        return False
    rid, payload, timestamp = header.get("rid"), header.get("payload"), header.get("timestamp")
    if not isinstance(payload, str) or isinstance(timestamp, bool) or not isinstance(timestamp, (int, float)):
        return False
    if rid is None or isinstance(rid, (dict, list)):
        return False
    secret = _secret(game_id, version)
    if secret is None:
        return False
    if not hmac.compare_digest(payload, hashlib.sha256(payload_text.encode("utf-8")).hexdigest()):
        return False
    actual_sig = hmac.new(secret.encode("utf-8"), header_b64.encode("ascii", "replace"), hashlib.sha256).digest()
    if not hmac.compare_digest(actual_sig, expected_sig):
        return False

    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    latest_key = f"verification:latest:{alias_id}"
    latest = cache.get(latest_key)
    if latest is not None and latest - timestamp > SLIDING_WINDOW_MS:
        return False
    if abs(now_ms - timestamp) > CLOCK_WINDOW_MS:
        return False
    if not cache.add(f"verification:rid:{alias_id}:{rid}", 1, STORE_TTL):
        return False
    cache.set(latest_key, min(max(latest or 0, timestamp), now_ms), STORE_TTL)
    return True
