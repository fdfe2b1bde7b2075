"""Reads of game channels, always scoped to one game (another game's channel does not exist)."""

from django.db.models import Count, Exists, OuterRef, Q

from game_channels.models import ChannelMembership, ChannelProp, ChannelStorageProp, GameChannel
from players.models import PlayerAlias
from players.selectors import aliases_with_players
from talo_project import prepared

MAX_ID = 2**63 - 1


def channels_with_relations():
    return GameChannel.objects.select_related("game", "owner__player__game").prefetch_related(
        "owner__player__props", "props"
    )


def get_channel(*, game_id, channel_id, lock=False):
    """The channel with that id in that game, or None."""
    if not isinstance(channel_id, int) or not 0 < channel_id <= MAX_ID:
        return None
    queryset = channels_with_relations()
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    return queryset.filter(game_id=game_id, id=channel_id).first()


def is_member(*, channel_id, alias_id):
    return ChannelMembership.objects.filter(channel_id=channel_id, alias_id=alias_id).exists()


def member_count(channel_id, *, include_dev_data):
    members = ChannelMembership.objects.filter(channel_id=channel_id)
    if not include_dev_data:
        members = members.filter(alias__player__dev_build=False)
    return members.count()


def count_members(channel_id):
    return ChannelMembership.objects.filter(channel_id=channel_id).count()


def _with_member_count(queryset, *, include_dev_data):
    counted = Q() if include_dev_data else Q(memberships__alias__player__dev_build=False)
    return queryset.annotate(member_count=Count("memberships", filter=counted))


def _prop_filter(queryset, prop_key, prop_value):
    if prop_key is None:
        return queryset
    props = ChannelProp.objects.filter(channel=OuterRef("pk"), key=prop_key)
    if prop_value is not None:
        props = props.filter(value=prop_value)
    return queryset.filter(Exists(props))


def public_channels(*, game_id, search=None, prop_key=None, prop_value=None, include_dev_data):
    """GET /v1/game-channels (docs/rest.md §6.1): most messages first, ties in creation order."""
    queryset = channels_with_relations().filter(game_id=game_id, private=False)
    if search:
        queryset = queryset.filter(Q(name__icontains=search) | Q(owner__identifier__icontains=search))
    queryset = _prop_filter(queryset, prop_key, prop_value)
    return _with_member_count(queryset, include_dev_data=include_dev_data).order_by("-total_messages", "id")


def subscribed_channels(*, alias, prop_key=None, prop_value=None, include_dev_data):
    membership = ChannelMembership.objects.filter(channel=OuterRef("pk"), alias_id=alias.id)
    queryset = channels_with_relations().filter(Exists(membership), game_id=alias.game_id)
    queryset = _prop_filter(queryset, prop_key, prop_value)
    return _with_member_count(queryset, include_dev_data=include_dev_data).order_by("id")


# Read on every identify: plain SQL, as compiling the queryset cost more than running it. On
# PostgreSQL the identify reads it inside its presence statement (presence/services.py).
MEMBER_CHANNEL_IDS = "SELECT channel_id FROM {} WHERE alias_id = %s".format(ChannelMembership._meta.db_table)


def member_channel_ids(alias_id):
    with prepared.cursor() as cursor:
        cursor.execute(MEMBER_CHANNEL_IDS, [alias_id])
        return [channel_id for (channel_id,) in cursor.fetchall()]


# Read whenever a player goes offline, and nearly always empty: plain SQL finds the ids first.
_TEMPORARY_CHANNEL_IDS = (
    "SELECT c.id FROM {channels} c JOIN {memberships} m ON m.channel_id = c.id"
    " WHERE m.alias_id = %s AND c.temporary_membership ORDER BY c.id"
).format(channels=GameChannel._meta.db_table, memberships=ChannelMembership._meta.db_table)


def temporary_channels_of(alias_id):
    with prepared.cursor() as cursor:
        cursor.execute(_TEMPORARY_CHANNEL_IDS, [alias_id])
        ids = [channel_id for (channel_id,) in cursor.fetchall()]
    return list(GameChannel.objects.filter(id__in=ids).order_by("id")) if ids else []


def members(*, channel, include_dev_data, filters):
    """GET …/members (docs/rest.md §6.10): the channel's aliases, filters combined with AND."""
    queryset = aliases_with_players().filter(channel_memberships__channel=channel)
    if not include_dev_data:
        queryset = queryset.filter(player__dev_build=False)
    if "playerId" in filters:
        queryset = queryset.filter(player_id=filters["playerId"])
    if "aliasId" in filters:
        queryset = queryset.filter(id=filters["aliasId"])
    if "identifier" in filters:
        queryset = queryset.filter(identifier=filters["identifier"])
    if "playerPropKey" in filters:
        prop = Q(player__props__key=filters["playerPropKey"])
        if "playerPropValue" in filters:
            prop &= Q(player__props__value=filters["playerPropValue"])
        queryset = queryset.filter(id__in=PlayerAlias.objects.filter(prop).values("id"))
    if "playerGroupId" in filters:
        queryset = queryset.filter(player__groups__id=filters["playerGroupId"])
    return queryset.order_by("id")


def storage_rows(*, channel_id, keys):
    """{key: [rows ordered by creation]} for the keys that have rows."""
    rows = {}
    queryset = ChannelStorageProp.objects.filter(channel_id=channel_id, key__in=keys).select_related(
        "created_by__player__game", "last_updated_by__player__game"
    ).prefetch_related("created_by__player__props", "last_updated_by__player__props")
    for row in queryset.order_by("created_at", "id"):
        rows.setdefault(row.key, []).append(row)
    return rows
