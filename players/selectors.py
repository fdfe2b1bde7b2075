"""Reads of games, keys, players and aliases, always scoped to one game."""

import json
import uuid

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from players.models import TALO_SERVICE, Player, PlayerAlias, PlayerAliasSubscription, PlayerGroup, PlayerProp, PlayerPresence
from talo_project.prepared import PreparedQuery
from talo_project.rest.pagination import paginate

PLAYER_RELATED = ("player__game", "player__presence", "player__auth")


def aliases_with_players():
    return PlayerAlias.objects.select_related(*PLAYER_RELATED).prefetch_related("player__props", "player__groups")


# One alias with everything its JSON needs in one query: the player's props and groups come as
# JSON arrays of [key, value] / [id, name] from correlated subqueries, in the order the
# prefetches above give (props by id, groups by membership).
_PLAYER_LISTS = {
    "postgresql": (
        "SELECT COALESCE(json_agg(json_build_array(p.key, p.value) ORDER BY p.id), '[]'::json)"
        " FROM players_playerprop p WHERE p.player_id = players_playeralias.player_id",
        "SELECT COALESCE(json_agg(json_build_array(g.id, g.name) ORDER BY m.id), '[]'::json)"
        " FROM players_playergroup_members m JOIN players_playergroup g ON g.id = m.playergroup_id"
        " WHERE m.player_id = players_playeralias.player_id",
    ),
    "sqlite": (
        "SELECT json_group_array(json_array(q.key, q.value)) FROM (SELECT p.key, p.value FROM players_playerprop p"
        " WHERE p.player_id = players_playeralias.player_id ORDER BY p.id) q",
        "SELECT json_group_array(json_array(q.id, q.name)) FROM (SELECT g.id, g.name"
        " FROM players_playergroup_members m JOIN players_playergroup g ON g.id = m.playergroup_id"
        " WHERE m.player_id = players_playeralias.player_id ORDER BY m.id) q",
    ),
}


def _json_list(value):
    return value if isinstance(value, list) else json.loads(value)


def _with_player(queryset):
    """The alias query with its player, game, presence and auth joined, and the player's props
    and groups as JSON lists."""
    lists = _PLAYER_LISTS[connection.vendor]
    return queryset.select_related(*PLAYER_RELATED).annotate(
        player_props=RawSQL(f"({lists[0]})", ()), player_groups=RawSQL(f"({lists[1]})", ())
    )


def _loaded(alias):
    """The alias of a `_with_player` query with its props and groups in place (as a prefetch
    would have put them)."""
    if alias is not None:
        player = alias.player
        player._prefetched_objects_cache = {
            "props": [PlayerProp(player=player, key=key, value=value) for key, value in _json_list(alias.player_props)],
            "groups": [PlayerGroup(id=uuid.UUID(str(id_)), name=name) for id_, name in _json_list(alias.player_groups)],
        }
    return alias


# The two alias loads of the connection path, compiled once (talo_project/prepared.py).
_ALIAS_BY_ID = PreparedQuery(
    lambda game_id, alias_id: _with_player(PlayerAlias.objects.filter(game_id=game_id, id=alias_id)),
    game_id=PlayerAlias._meta.get_field("game"),
    alias_id=PlayerAlias._meta.pk,
)
_ALIAS_BY_IDENTITY = PreparedQuery(
    lambda game_id, service, identifier: _with_player(
        PlayerAlias.objects.filter(game_id=game_id, service=service, identifier=identifier)
    ),
    game_id=PlayerAlias._meta.get_field("game"),
    service=PlayerAlias._meta.get_field("service"),
    identifier=PlayerAlias._meta.get_field("identifier"),
)


def get_alias(*, game_id, alias_id):
    """The alias with that id in that game, or None (other games' aliases do not exist)."""
    try:
        alias_id = int(alias_id)
    except (TypeError, ValueError, OverflowError):
        return None
    if not -(2**63) <= alias_id < 2**63:
        return None
    return _loaded(_ALIAS_BY_ID.first(game_id=game_id, alias_id=alias_id))


def find_alias(*, game_id, service, identifier):
    return _loaded(_ALIAS_BY_IDENTITY.first(game_id=game_id, service=service, identifier=identifier))


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


_PRESENCE_FOR_UPDATE = PreparedQuery(
    lambda player_id: PlayerPresence.objects.select_for_update().filter(player_id=player_id),
    player_id=PlayerPresence._meta.get_field("player"),
)


def get_presence_for_update(*, player_id):
    """The player's presence row, locked until the transaction ends (the caller holds one)."""
    return _PRESENCE_FOR_UPDATE.first(player_id=player_id)


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
