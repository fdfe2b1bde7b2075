"""Request verification settings of a game (docs/socket.md §8, docs/rest.md §2.6)."""

from django.db import transaction

from players import signatures
from players.models import Game, VerificationKey
from players.secrets import encrypt as encrypt_secret
from players.services.keys import forget_cached_keys
from talo_project.errors import ServiceError


def add_verification_key(*, game, version, secret, replace=False):
    """Add the game's verification key `version`; the secret is stored encrypted. An existing
    version keeps its secret unless `replace`: signed clients would silently start failing."""
    if not version or not secret:
        raise ServiceError("A verification key needs a version and a secret")
    if len(version) > VerificationKey._meta.get_field("version").max_length:
        raise ServiceError("A verification key version is at most 64 characters")
    if not replace and VerificationKey.objects.filter(game=game, version=version).exists():
        raise ServiceError(f"Verification key version {version} already exists; replacing its secret must be explicit")
    key, _ = VerificationKey.objects.update_or_create(
        game=game, version=version, defaults={"encrypted_secret": encrypt_secret(secret)}
    )
    # This process's cached secrets of the game go at once; other processes' within
    # signatures.SECRET_CACHE_SECONDS.
    transaction.on_commit(lambda: signatures.forget_secrets(game.id))
    return key


def set_verify_requests(*, game, enabled):
    """Open sockets keep the setting they connected with (docs/socket.md §13); new ones get this
    (the game's keys cached by any process are dropped, players/key_cache.py)."""
    Game.objects.filter(id=game.id).update(verify_requests=enabled)
    forget_cached_keys(game_id=game.id)
    game.verify_requests = enabled
    return game
