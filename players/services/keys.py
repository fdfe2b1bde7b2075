"""Games and access keys (docs/rest.md §2.3): tokens shown once, stored hashed."""

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from players import key_cache
from players.models import AccessKey, Game
from players.scopes import VALID_SCOPES
from sockets.connection import CLOSE_TICKET_REFUSED
from sockets.events import publish_close, publish_forget
from sockets.hub import game_group, key_group
from talo_project.errors import NotFound, ServiceError
from talo_project.rest.validation import digits

TOKEN_PREFIX = "tk"


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def parse_token(token):
    """The key id a token names, or None when the token is not one of ours."""
    prefix, _, rest = token.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != TOKEN_PREFIX or not secret:
        return None
    return digits(key_id)  # ASCII digits only: "²".isdigit() is true, int("²") raises


@transaction.atomic
def create_access_key(*, game, scopes, name=""):
    """Create a key and return (key, token). The token is returned here once and stored only as a
    hash."""
    unknown = [scope for scope in scopes if scope not in VALID_SCOPES]
    if unknown:
        raise ServiceError(f"Unknown scope(s): {', '.join(unknown)}")
    key = AccessKey.objects.create(game=game, scopes=list(dict.fromkeys(scopes)), name=name, token_hash="")
    token = f"{TOKEN_PREFIX}_{key.id}_{secrets.token_urlsafe(32)}"
    key.token_hash = hash_token(token)
    key.token_hint = token[-4:]
    key.save(update_fields=["token_hash", "token_hint"])
    return key, token


def revoke_access_key(*, key):
    """Revoke: REST answers 401 and every open socket of the key is closed with 3000 — at once on
    this process and wherever the channel layer reaches, else within REVOCATION_SWEEP_SECONDS
    (players/key_cache.py, the revocation sweep)."""
    with transaction.atomic():
        updated = AccessKey.objects.filter(id=key.id, revoked_at__isnull=True).update(revoked_at=timezone.now())
        if updated:
            forget_cached_keys(key_id=key.id)
            publish_close(key_group(key.id), CLOSE_TICKET_REFUSED)
    key.refresh_from_db()
    return key


def forget_cached_keys(*, key_id=None, game_id=None):
    """After a change to a key (or to a game's verifyRequests) commits, every process drops its
    cached copy (players/key_cache.py): this one at once, the others when the event reaches them."""
    transaction.on_commit(lambda: key_cache.forget(key_id, game_id=game_id))
    publish_forget(key_group(key_id) if key_id is not None else game_group(game_id), everywhere=True)


def get_or_create_game(*, name):
    """(game, created): the game of exactly that name, or a new one."""
    if not name.strip() or len(name) > Game._meta.get_field("name").max_length:
        raise ServiceError("A game name is 1 to 255 characters")
    return Game.objects.get_or_create(name=name)


def find_access_key(*, game, reference):
    """One key of the game named by its token (`tk_…`), its id (digits) or its hint (the token's
    last characters as the admin shows them, `…abcd`, `...abcd` or `abcd`). Raises NotFound, or
    ServiceError when a hint names several keys."""
    if reference.startswith(f"{TOKEN_PREFIX}_"):
        key = AccessKey.objects.filter(game=game, id=parse_token(reference) or -1, token_hash=hash_token(reference)).first()
        if key is None:
            raise NotFound(f"No access key of game '{game.name}' has that token")
        return key
    if reference.isdigit() and len(reference) <= 18:
        key = AccessKey.objects.filter(game=game, id=int(reference)).first()
        if key is None:
            raise NotFound(f"Game '{game.name}' has no access key with id {reference}")
        return key
    hint = reference.removeprefix("…").removeprefix("...")
    found = list(AccessKey.objects.filter(game=game, token_hint=hint).order_by("id")) if hint else []
    if not found:
        raise NotFound(f"No access key of game '{game.name}' has the hint '…{hint}' (nor is '{reference}' a token or a key id)")
    if len(found) > 1:
        ids = ", ".join(str(key.id) for key in found)
        raise ServiceError(f"Several access keys of game '{game.name}' have the hint '…{hint}' (ids {ids}): give the id")
    return found[0]
