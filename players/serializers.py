"""The JSON shapes of docs/objects.md §1–4, §7 and §8, built as plain dicts in Talo's key order."""

from django.core.exceptions import ObjectDoesNotExist


def format_date(value):
    """JavaScript's Date JSON form: UTC, three millisecond digits, a literal Z (docs/objects.md §0)."""
    if value is None:
        return None
    # isoformat cuts the microseconds (as JavaScript keeps milliseconds) and pads the year to four
    # digits; [:23] drops its "+00:00".
    return value.isoformat(timespec="milliseconds")[:23] + "Z"


def serialize_props(props):
    return [{"key": prop.key, "value": prop.value} for prop in props]


def display_name(alias, player_props, game):
    key = game.display_name_prop_key
    if key:
        for prop in player_props:
            if prop.key == key:
                return prop.value
    return alias.identifier


def serialize_player(player, *, with_aliases=False):
    """A Player. `aliases` only when the player stands on its own (docs/objects.md §2)."""
    props = list(player.props.all())
    data = {"id": str(player.id), "props": serialize_props(props)}
    if with_aliases:
        data["aliases"] = [serialize_alias(alias, player=player) for alias in player.aliases.all()]
    data["devBuild"] = player.dev_build
    data["createdAt"] = format_date(player.created_at)
    data["lastSeenAt"] = format_date(player.last_seen_at)
    data["groups"] = [{"id": str(group.id), "name": group.name} for group in player.groups.all()]
    auth = related_or_none(player, "auth")
    if auth is not None:
        data["auth"] = serialize_auth(auth)
    presence = related_or_none(player, "presence")
    data["presence"] = None if presence is None else serialize_nested_presence(presence)
    return data


def related_or_none(instance, name):
    """A reverse one-to-one (presence, auth) or None when the row does not exist."""
    try:
        return getattr(instance, name)
    except ObjectDoesNotExist:
        return None


def serialize_auth(auth):
    """PlayerAuth (docs/objects.md §2): emitted whenever the player has Talo authentication."""
    return {
        "email": auth.email,
        "verificationEnabled": auth.verification_enabled,
        "sessionCreatedAt": format_date(auth.session_created_at),
    }


def serialize_nested_presence(presence):
    return {
        "online": presence.online,
        "customStatus": presence.custom_status,
        "updatedAt": format_date(presence.updated_at),
    }


def serialize_presence(presence, *, alias_data=None):
    """The standalone PlayerPresence (docs/objects.md §4). `presence.player_alias.player.presence` is
    this same record, so the nested copy inside it agrees. `alias_data`: that alias already
    serialised."""
    alias = presence.player_alias
    if alias_data is None and alias is not None:
        alias_data = serialize_alias(alias)
    return {
        "playerAlias": alias_data,
        "online": presence.online,
        "customStatus": presence.custom_status,
        "updatedAt": format_date(presence.updated_at),
    }


def serialize_alias(alias, *, player=None):
    """A PlayerAlias with its player nested (without the player's aliases)."""
    player = player or alias.player
    props = list(player.props.all())
    return {
        "id": alias.id,
        "service": alias.service,
        "identifier": alias.identifier,
        "displayName": display_name(alias, props, player.game),
        "player": serialize_player(player),
        "lastSeenAt": format_date(alias.last_seen_at),
        "createdAt": format_date(alias.created_at),
        "updatedAt": format_date(alias.updated_at),
    }


def serialize_subscription(subscription):
    """PlayerAliasSubscription (docs/objects.md §7)."""
    return {
        "id": subscription.id,
        "subscriber": serialize_alias(subscription.subscriber),
        "subscribedTo": serialize_alias(subscription.subscribed_to),
        "confirmed": subscription.confirmed,
        "relationshipType": subscription.relationship_type,
        "createdAt": format_date(subscription.created_at),
        "updatedAt": format_date(subscription.updated_at),
    }


def serialize_live_config(game):
    """Live config (docs/objects.md §8): the game's props without `META_` keys, in stored order."""
    return [{"key": prop["key"], "value": prop["value"]} for prop in game.props if not prop["key"].startswith("META_")]
