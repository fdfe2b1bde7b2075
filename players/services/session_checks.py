"""The `x-talo-session` checks of Talo player auth (docs/rest.md §2.5): a request or an identify
that names a player with a `talo` alias needs that player's current session token."""

import uuid

from players import selectors, sessions
from players.models import PlayerAuth
from talo_project.errors import ServiceError
from talo_project.rest.validation import digits

MISSING_SESSION = ("The x-talo-session header is required for this player", "MISSING_SESSION")
INVALID_SESSION = ("The x-talo-session header is invalid", "INVALID_SESSION")


def auth_of(player_id):
    return PlayerAuth.objects.filter(player_id=player_id).first()


def session_token_valid(*, alias, token, player_id, alias_id):
    """A session token of the alias's player, verifying with its current session key, whose
    claims name exactly `player_id` and `alias_id`."""
    auth = auth_of(alias.player_id)
    if auth is None or not auth.session_key:
        return False
    claims = sessions.session_claims(token=token, session_key=auth.session_key)
    return sessions.claims_match(claims, player_id=player_id, alias_id=alias_id)


def check_rest_session(*, alias, player_id, alias_id, token):
    """`token` None means the header was absent."""
    if token is None:
        raise ServiceError(MISSING_SESSION[0], status=401, errorCode=MISSING_SESSION[1])
    if not session_token_valid(alias=alias, token=token, player_id=player_id, alias_id=alias_id):
        raise ServiceError(INVALID_SESSION[0], status=401, errorCode=INVALID_SESSION[1])


def check_request_session(*, game_id, alias_header, player_header, token):
    """The x-talo-session check of every request naming a player: needed when the alias or player
    named by the headers belongs to a player with a `talo` alias; valid when it verifies with that
    player's session key and names exactly both headers."""
    alias_id = digits(alias_header) if alias_header else None
    player_id = uuid_or_none(player_header)
    if alias_id is None and player_id is None:
        return
    talo_alias = selectors.talo_alias_of(game_id=game_id, alias_id=alias_id, player_id=player_id)
    if talo_alias is None:
        return
    check_rest_session(alias=talo_alias, player_id=player_header, alias_id=alias_header, token=token)


def uuid_or_none(value):
    try:
        return uuid.UUID(value) if value is not None else None
    except ValueError:
        return None
