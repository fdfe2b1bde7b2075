"""Players and aliases: REST identify, socket tokens and the socket identify
(docs/rest.md §5.1–5.2, docs/socket.md §9.1)."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from players import selectors
from players.groups import player_in_group
from players.models import TALO_SERVICE, Player, PlayerAlias, PlayerGroup, PlayerProp
from players.profanity import is_profane
from players.scopes import WRITE_PLAYERS
from players.services import session_checks
from players.socket_tokens import issue_socket_token, socket_token_matches
from talo_project.errors import InvalidSessionToken, InvalidSocketToken, NotFound, ServiceError

DEV_BUILD_PROP = "META_DEV_BUILD"
IDENTIFIER_PROFANITY = ("Alias identifier contains inappropriate language", "IDENTIFIER_PROFANITY")


def identify_player(*, access_key, service, identifier, dev_build, session_token):
    """REST identify (docs/rest.md §5.1): find or create the alias, then issue a new socket token.
    A `talo` alias needs a valid session token (`session_token` None = header absent)."""
    game = access_key.game
    if game.block_alias_identifier_profanity and is_profane(identifier):
        raise ServiceError(IDENTIFIER_PROFANITY[0], errorCode=IDENTIFIER_PROFANITY[1])
    alias = selectors.find_alias(game_id=game.id, service=service, identifier=identifier)
    if alias is not None and alias.service == TALO_SERVICE:
        session_checks.check_rest_session(alias=alias, player_id=alias.player_id, alias_id=alias.id, token=session_token)
    if alias is None:
        if service == TALO_SERVICE:
            raise NotFound("Player not found: Talo aliases must be created using the /v1/players/auth API")
        if access_key.missing_scopes([WRITE_PLAYERS]):
            raise NotFound(
                "Player not found. Use an access key with the write:players scope to automatically create players"
            )
        try:
            alias = create_player_with_alias(game=game, service=service, identifier=identifier, dev_build=dev_build)
        except IntegrityError:
            # A concurrent first identify of the same name created it: this caller gets it too.
            alias = selectors.find_alias(game_id=game.id, service=service, identifier=identifier)
            if alias is None:
                raise ServiceError(
                    f"Player with identifier '{identifier}' already exists", errorCode="IDENTIFIER_TAKEN", field="aliases"
                ) from None
            alias = _seen(game, alias)
    else:
        alias = _seen(game, alias)
    return alias, issue_socket_token(alias_id=alias.id)


def _seen(game, alias):
    """An existing alias identified again: last seen now, its groups re-evaluated (reloaded only
    when a membership changed)."""
    now = timezone.now()
    PlayerAlias.objects.filter(id=alias.id).update(last_seen_at=now)
    Player.objects.filter(id=alias.player_id).update(last_seen_at=now)
    alias.last_seen_at = alias.player.last_seen_at = now
    if update_player_groups(player=alias.player):
        alias = selectors.get_alias(game_id=game.id, alias_id=alias.id)
    return alias


def create_player_with_alias(*, game, service, identifier, dev_build):
    """A new player of the game with this one alias (and the META_DEV_BUILD prop for dev builds),
    loaded as selectors load aliases. Atomic; raises IntegrityError when the alias exists already."""
    with transaction.atomic():
        player = Player.objects.create(game=game, dev_build=dev_build)
        if dev_build:
            PlayerProp.objects.create(player=player, key=DEV_BUILD_PROP, value="1")
        alias = PlayerAlias.objects.create(player=player, game=game, service=service, identifier=identifier)
    return selectors.get_alias(game_id=game.id, alias_id=alias.id)


def update_player_groups(*, player):
    """Re-evaluate the player's memberships of its game's groups; only a membership that changes
    is written (the player's props and groups are loaded with it, players/selectors.py). True if
    any changed."""
    props = list(player.props.all())
    current = {group.id for group in player.groups.all()}
    joined, left = [], []
    for group in PlayerGroup.objects.filter(game_id=player.game_id):
        member = player_in_group(group, player, props)
        if member and group.id not in current:
            joined.append(group)
        elif not member and group.id in current:
            left.append(group)
    if joined:
        player.groups.add(*joined)
    if left:
        player.groups.remove(*left)
    return bool(joined or left)


def create_socket_token(*, access_key, alias_id):
    alias = selectors.get_alias(game_id=access_key.game_id, alias_id=alias_id)
    if alias is None:
        raise NotFound("Player not found")
    return issue_socket_token(alias_id=alias.id)


async def check_socket_token(*, alias_id, socket_token):
    """Socket identify, first step (docs/socket.md §9.1), on the event loop: the alias id the
    payload names (an integral float counts) if `socket_token` is that alias's current token (not
    consumed); InvalidSocketToken otherwise."""
    if isinstance(alias_id, float) and alias_id.is_integer():
        alias_id = int(alias_id)
    if not isinstance(alias_id, int) or not await socket_token_matches(alias_id=alias_id, token=socket_token):
        raise InvalidSocketToken()
    return alias_id


def identify_socket(*, game_id, alias_id, session_token):
    """Socket identify, after `check_socket_token`: the alias in the connection's game, its
    session checked for a `talo` alias."""
    alias = selectors.get_alias(game_id=game_id, alias_id=alias_id)
    if alias is None:
        # docs/differences.md row 6: our own wording, never the ORM's.
        raise NotFound("Player alias not found")
    if alias.service == TALO_SERVICE and not session_checks.session_token_valid(
        alias=alias, token=session_token, player_id=alias.player_id, alias_id=alias.id
    ):
        raise InvalidSessionToken()
    return alias
