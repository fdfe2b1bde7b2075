"""Reads of games, keys, players and aliases, always scoped to one game."""

from players.models import Player, PlayerAlias


def aliases_with_players():
    return PlayerAlias.objects.select_related("player__game").prefetch_related("player__props", "player__groups")


def get_alias(*, game_id, alias_id):
    """The alias with that id in that game, or None (other games' aliases do not exist)."""
    try:
        alias_id = int(alias_id)
    except (TypeError, ValueError, OverflowError):
        return None
    if not -(2**63) <= alias_id < 2**63:
        return None
    return aliases_with_players().filter(game_id=game_id, id=alias_id).first()


def find_alias(*, game_id, service, identifier):
    return aliases_with_players().filter(game_id=game_id, service=service, identifier=identifier).first()


def get_player(*, game_id, player_id):
    return (
        Player.objects.select_related("game")
        .prefetch_related("props", "groups", "aliases")
        .filter(game_id=game_id, id=player_id)
        .first()
    )
