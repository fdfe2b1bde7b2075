"""Everything that changes games, keys, players and aliases: one function per use case."""

import hashlib
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from players import selectors
from players.groups import player_in_group
from players.models import AccessKey, Game, Player, PlayerAlias, PlayerGroup, PlayerProp, VerificationKey
from players.secrets import encrypt as encrypt_secret
from players.scopes import VALID_SCOPES
from sockets import events
from sockets.socket_tokens import issue_socket_token, socket_token_matches

TOKEN_PREFIX = "tk"


class ServiceError(Exception):
    """A domain error with a message for the caller."""

    def __init__(self, message, *, status=400, **extra):
        super().__init__(message)
        self.message = message
        self.status = status
        self.extra = extra


# --- access keys ---------------------------------------------------------------------------------


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def parse_token(token):
    """The key id a token names, or None when the token is not one of ours."""
    prefix, _, rest = token.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != TOKEN_PREFIX or not key_id.isdigit() or len(key_id) > 18 or not secret:
        return None
    return int(key_id)


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
    """Revoke: REST answers 401 at once and every open socket of the key is closed with 3000."""
    with transaction.atomic():
        updated = AccessKey.objects.filter(id=key.id, revoked_at__isnull=True).update(revoked_at=timezone.now())
        if updated:
            events.publish_key_revoked(key.id)
    key.refresh_from_db()
    return key


def get_or_create_game(*, name):
    game, _ = Game.objects.get_or_create(name=name)
    return game


# --- players -------------------------------------------------------------------------------------

DEV_BUILD_PROP = "META_DEV_BUILD"


def identify_player(*, access_key, service, identifier, dev_build):
    """REST identify (rest.md §5.1): find or create the alias, then issue a new socket token."""
    game = access_key.game
    alias = selectors.find_alias(game_id=game.id, service=service, identifier=identifier)
    if alias is None:
        if service == "talo":
            raise ServiceError(
                "Player not found: Talo aliases must be created using the /v1/players/auth API", status=404
            )
        if access_key.missing_scopes(["write:players"]):
            raise ServiceError(
                "Player not found. Use an access key with the write:players scope to automatically create players",
                status=404,
            )
        alias = create_player_with_alias(game=game, service=service, identifier=identifier, dev_build=dev_build)
    else:
        now = timezone.now()
        PlayerAlias.objects.filter(id=alias.id).update(last_seen_at=now)
        Player.objects.filter(id=alias.player_id).update(last_seen_at=now)
        alias.player.last_seen_at = now
        update_player_groups(player=alias.player)
        alias = selectors.get_alias(game_id=game.id, alias_id=alias.id)
    return alias, issue_socket_token(alias_id=alias.id)


def update_player_groups(*, player):
    """Re-evaluate the player's memberships of its game's groups."""
    props = list(player.props.all())
    for group in PlayerGroup.objects.filter(game_id=player.game_id):
        if player_in_group(group, player, props):
            group.members.add(player)
        else:
            group.members.remove(player)


def create_player_with_alias(*, game, service, identifier, dev_build):
    try:
        with transaction.atomic():
            player = Player.objects.create(game=game, dev_build=dev_build)
            if dev_build:
                PlayerProp.objects.create(player=player, key=DEV_BUILD_PROP, value="1")
            alias = PlayerAlias.objects.create(player=player, game=game, service=service, identifier=identifier)
    except IntegrityError:
        raise ServiceError(
            f"Player with identifier '{identifier}' already exists",
            errorCode="IDENTIFIER_TAKEN",
            field="aliases",
        ) from None
    return selectors.get_alias(game_id=game.id, alias_id=alias.id)


def create_socket_token(*, access_key, alias_id):
    alias = selectors.get_alias(game_id=access_key.game_id, alias_id=alias_id)
    if alias is None:
        raise ServiceError("Player not found", status=404)
    return issue_socket_token(alias_id=alias.id)


class InvalidSocketToken(ServiceError):
    def __init__(self):
        super().__init__("Invalid socket token", status=401)


def identify_socket(*, game_id, alias_id, socket_token, session_token):
    """Socket identify (socket.md §9.1): check the alias's current socket token (not consumed),
    then load the alias in the connection's game."""
    if isinstance(alias_id, float) and alias_id.is_integer():
        alias_id = int(alias_id)
    if not isinstance(alias_id, int) or not socket_token_matches(alias_id=alias_id, token=socket_token):
        raise InvalidSocketToken()
    alias = selectors.get_alias(game_id=game_id, alias_id=alias_id)
    if alias is None:
        # DECISIONS.md row 6: our own wording, never the ORM's.
        raise ServiceError("Player alias not found", status=404)
    return alias


# --- request verification (socket.md §8) -------------------------------------------------------


def add_verification_key(*, game, version, secret):
    """Add (or replace) the game's verification key `version`; the secret is stored encrypted."""
    if not version or not secret:
        raise ServiceError("A verification key needs a version and a secret")
    key, _ = VerificationKey.objects.update_or_create(
        game=game, version=version, defaults={"encrypted_secret": encrypt_secret(secret)}
    )
    return key


def set_verify_requests(*, game, enabled):
    """Open sockets keep the setting they connected with (socket.md §13); new ones get this."""
    Game.objects.filter(id=game.id).update(verify_requests=enabled)
    game.verify_requests = enabled
    return game
