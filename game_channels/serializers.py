"""The JSON shapes of docs/objects.md §5–6, as plain dicts in Talo's key order."""

from game_channels.props import is_array_key
from players.serializers import format_date, serialize_alias, serialize_props
from sockets import wire


def serialize_channel(channel):
    """The plain GameChannel: every socket payload and the storage PUT response."""
    return {
        "id": channel.id,
        "name": channel.name,
        "owner": serialize_alias(channel.owner) if channel.owner_id is not None else None,
        "totalMessages": channel.total_messages,
        "props": serialize_props(channel.props.all()),
        "autoCleanup": channel.auto_cleanup,
        "private": channel.private,
        "temporaryMembership": channel.temporary_membership,
        "createdAt": format_date(channel.created_at),
        "updatedAt": format_date(channel.updated_at),
    }


def serialize_rest_channel(channel, member_count):
    """The REST GameChannel: the plain form plus, last, `memberCount` (docs/objects.md §5)."""
    return {**serialize_channel(channel), "memberCount": member_count}


def serialize_storage_prop(prop, *, value=None):
    return {
        "key": prop.key,
        "value": prop.value if value is None else value,
        "createdBy": serialize_alias(prop.created_by),
        "lastUpdatedBy": serialize_alias(prop.last_updated_by),
        "createdAt": format_date(prop.created_at),
        "updatedAt": format_date(prop.updated_at),
    }


def serialize_storage_read(key, rows):
    """The single-key read form: null, the row, or the flattened array (docs/objects.md §6).
    `rows` are ordered by creation."""
    if not rows:
        return None
    if len(rows) == 1 and not is_array_key(key):
        return serialize_storage_prop(rows[0])
    return serialize_storage_prop(rows[0], value=wire.dumps([row.value for row in rows]))


def serialize_storage_list_items(key, rows):
    """The list form: a scalar key's row, or one copy of the flattened object per array value."""
    if not rows:
        return []
    if not is_array_key(key):
        return [serialize_storage_prop(row) for row in rows[:1]]
    first = serialize_storage_prop(rows[0])
    return [{**first, "value": row.value} for row in rows]
