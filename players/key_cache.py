"""Access keys cached per process, so that a REST request's key check and a socket's ticket
redemption read no database (docs/differences.md row 10).

An entry holds the key's row (and its game's verifyRequests, which a connection snapshots) and is
used for at most REVOCATION_SWEEP_SECONDS. A revocation drops it at once on the process that made
it and, over the channel layer, on every other process (players.realtime: the "forget" event of
`key.<id>`); a process the event does not reach (no Redis, or a command-line revocation) drops it
when it expires — the same bound as the revocation sweep that closes sockets there. A key loaded
while anything was forgotten is not kept, so a load racing a revocation cannot outlive it.
"""

import threading
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

from players.models import AccessKey

_FIELDS = ("id", "game_id", "name", "scopes", "token_hash", "token_hint", "created_at", "last_used_at", "revoked_at")

_entries = {}  # key id -> (loaded at, {field: value}, the game's verify_requests)
_forgotten = 0  # bumped by every forget
_lock = threading.Lock()


def _max_age():
    return settings.TALO_SOCKET["REVOCATION_SWEEP_SECONDS"]


def _fresh_entry(key_id):
    """The cached entry of the key, or None when there is none young enough to use."""
    entry = _entries.get(key_id)
    if entry is not None and time.monotonic() - entry[0] < _max_age():
        return entry
    return None


def _entry(key_id):
    entry = _fresh_entry(key_id)
    if entry is not None:
        return entry
    forgotten = _forgotten
    row = AccessKey.objects.filter(id=key_id).values(*_FIELDS, "game__verify_requests").first()
    if row is None:
        return None
    verify_requests = row.pop("game__verify_requests")
    entry = (time.monotonic(), row, verify_requests)
    with _lock:
        if forgotten == _forgotten:
            _entries[key_id] = entry
    return entry


def get(key_id):
    """A fresh AccessKey instance (its game is loaded on first use), or None for no such key."""
    entry = _entry(key_id)
    if entry is None:
        return None
    row = entry[1]
    # As a queryset builds it: positional values, the instance marked as loaded.
    return AccessKey.from_db(DEFAULT_DB_ALIAS, _FIELDS, [row[name] for name in _FIELDS])


def grant_fields(key_id):
    """(the key's row, the game's verify_requests) of a key that is not revoked, or None."""
    return _grant_fields(_entry(key_id))


NOT_CACHED = object()


def cached_grant_fields(key_id):
    """grant_fields without the database, for the event loop: NOT_CACHED when the key would have
    to be loaded."""
    entry = _fresh_entry(key_id)
    return NOT_CACHED if entry is None else _grant_fields(entry)


def _grant_fields(entry):
    if entry is None or entry[1]["revoked_at"] is not None:
        return None
    return entry[1], entry[2]


def used(key_id, when):
    """The key's last_used_at was written: the cached copy agrees."""
    entry = _entries.get(key_id)
    if entry is not None:
        entry[1]["last_used_at"] = when


def forget(key_id=None, *, game_id=None):
    """Drop one key, or every key of a game."""
    global _forgotten
    with _lock:
        _forgotten += 1
        if key_id is not None:
            _entries.pop(key_id, None)
        if game_id is not None:
            for cached_id in [i for i, entry in _entries.items() if entry[1]["game_id"] == game_id]:
                del _entries[cached_id]
