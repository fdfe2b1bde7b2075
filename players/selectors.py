"""Reads of games, keys, players and aliases, always scoped to one game."""

from django.db.models import Q
from django.utils import timezone

from players.models import TALO_SERVICE, Player, PlayerAlias, PlayerAliasSubscription, PlayerPresence
from talo_project.rest.pagination import paginate

PLAYER_RELATED = ("player__game", "player__presence", "player__auth")


def aliases_with_players():
    return PlayerAlias.objects.select_related(*PLAYER_RELATED).prefetch_related("player__props", "player__groups")


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
        Player.objects.select_related("game", "presence", "auth")
        .prefetch_related("props", "groups", "aliases")
        .filter(game_id=game_id, id=player_id)
        .first()
    )


def find_talo_alias(*, game_id, identifier):
    return find_alias(game_id=game_id, service=TALO_SERVICE, identifier=identifier)


def talo_alias_of(*, game_id, alias_id=None, player_id=None):
    """A `talo` alias of the player named by an alias id or a player id in the game, or None
    (docs/rest.md §2.5)."""
    named = Q(pk__in=[])
    if alias_id is not None and alias_id < 2**63:
        named |= Q(player__aliases__id=alias_id)
    if player_id is not None:
        named |= Q(player_id=player_id)
    return PlayerAlias.objects.filter(named, game_id=game_id, service=TALO_SERVICE).first()


def get_presence_for_update(*, player_id):
    """The player's presence row, locked until the transaction ends (the caller holds one)."""
    return (
        PlayerPresence.objects.select_for_update()
        .filter(player_id=player_id)
        .first()
    )


def get_presence(*, player):
    """The player's presence, or the default object for a player without one (docs/objects.md §4)."""
    presence = (
        PlayerPresence.objects.select_related(*(f"player_alias__{name}" for name in PLAYER_RELATED))
        .prefetch_related("player_alias__player__props")
        .filter(player=player)
        .first()
    )
    if presence is None:
        return PlayerPresence(player=player, updated_at=timezone.now())
    if presence.player_alias is not None:
        presence.player_alias.player.presence = presence
    return presence


def subscriptions():
    related = [f"{side}__{name}" for side in ("subscriber", "subscribed_to") for name in PLAYER_RELATED]
    return PlayerAliasSubscription.objects.select_related(*related).prefetch_related(
        "subscriber__player__props", "subscribed_to__player__props"
    )


def confirmed_subscriber_alias_ids(*, alias_id):
    """The aliases that receive `alias_id`'s broadcasts (docs/socket.md §9.3)."""
    return list(
        PlayerAliasSubscription.objects.filter(subscribed_to_id=alias_id, confirmed=True).values_list(
            "subscriber_id", flat=True
        )
    )


def list_subscriptions(*, alias, direction, confirmed=None, other_alias_id=None, relationship_type=None, page=0):
    """One page of the alias's subscribers (`direction="subscribers"`) or subscriptions
    (docs/rest.md §8): (items, count, is_last_page)."""
    if direction == "subscribers":
        rows = subscriptions().filter(subscribed_to=alias)
        other = "subscriber_id"
    else:
        rows = subscriptions().filter(subscriber=alias)
        other = "subscribed_to_id"
    if confirmed is not None:
        rows = rows.filter(confirmed=confirmed)
    if other_alias_id is not None:
        rows = rows.filter(**{other: other_alias_id})
    if relationship_type is not None:
        rows = rows.filter(relationship_type=relationship_type)
    return paginate(rows.order_by("id"), page)
