"""The JSON shapes of objects.md §1–3, built as plain dicts in Talo's key order."""


def format_date(value):
    """JavaScript's Date JSON form: UTC, three millisecond digits, a literal Z (objects.md §0)."""
    if value is None:
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


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
    """A Player. `aliases` only when the player stands on its own (objects.md §2)."""
    props = list(player.props.all())
    data = {"id": str(player.id), "props": serialize_props(props)}
    if with_aliases:
        data["aliases"] = [serialize_alias(alias, player=player) for alias in player.aliases.all()]
    data["devBuild"] = player.dev_build
    data["createdAt"] = format_date(player.created_at)
    data["lastSeenAt"] = format_date(player.last_seen_at)
    data["groups"] = [{"id": str(group.id), "name": group.name} for group in player.groups.all()]
    data["presence"] = None
    return data


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
