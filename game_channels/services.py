"""Everything that changes game channels, one function per use case (docs/rest.md §6, docs/socket.md §12).

Each publishes the socket messages of docs/socket.md §10 to exactly the members the spec names, when
the transaction commits, together with the membership events that keep every server process's
hub right (game_channels.events). REST views, socket handlers and Django admin all call these."""

from django.db import transaction
from django.utils import timezone

from game_channels import events, history, selectors
from game_channels.models import ChannelMembership, ChannelProp, ChannelStorageProp, GameChannel
from game_channels.props import (
    MAX_KEY_LENGTH,
    MAX_VALUE_LENGTH,
    channel_prop_rejections,
    contains_profanity,
    is_array_key,
    key_too_long,
    merge_props,
    size_rejection,
    value_too_long,
)
from game_channels.serializers import serialize_channel, serialize_storage_prop
from players import selectors as player_selectors
from players.profanity import is_profane
from players.serializers import serialize_alias
from talo_project.errors import NotFound, ValidationFailed
from talo_project.values import NOT_SUPPLIED

RES_PLAYER_JOINED = "v1.channels.player-joined"
RES_PLAYER_LEFT = "v1.channels.player-left"
RES_DELETED = "v1.channels.deleted"
RES_OWNERSHIP_TRANSFERRED = "v1.channels.ownership-transferred"
RES_UPDATED = "v1.channels.updated"
RES_STORAGE_UPDATED = "v1.channels.storage.updated"

LEAVE_REASON_DEFAULT = 0
LEAVE_REASON_TEMPORARY_MEMBERSHIP = 1

PROPS_REJECTED = "One or more props are invalid, see rejectedProps"


class PropsRejected(ValidationFailed):
    """A create/update whose props break the limits: nothing is saved (docs/rest.md §6)."""

    def __init__(self, rejected):
        super().__init__({"props": [PROPS_REJECTED]}, rejectedProps=rejected)
        self.message = PROPS_REJECTED


def _reload(channel, *, lock=False):
    return selectors.get_channel(game_id=channel.game_id, channel_id=channel.id, lock=lock)


def _save_props(channel, props, *, replace):
    rejected = channel_prop_rejections(props, block_profanity=channel.game.block_props_profanity)
    if rejected:
        raise PropsRejected(rejected)
    if replace:
        ChannelProp.objects.filter(channel=channel).delete()
    ChannelProp.objects.bulk_create(ChannelProp(channel=channel, key=key, value=value) for key, value in props)


# --- create / update / delete ----------------------------------------------------------------


@transaction.atomic
def create_channel(
    *, game, name, owner=None, props=(), auto_cleanup=False, private=False, temporary_membership=False,
    announce_owner=True,
):
    """Create a channel; the owner (if any) is its first member and is told with player-joined.
    Talo's dashboard create (`announce_owner=False`) sends that message without `playerAlias`
    (docs/rest.md §10)."""
    channel = GameChannel.objects.create(
        game=game, name=name, owner=owner, auto_cleanup=auto_cleanup, private=private,
        temporary_membership=temporary_membership,
    )
    _save_props(channel, merge_props([], list(props)), replace=False)
    if owner is not None:
        ChannelMembership.objects.create(channel=channel, alias=owner)
    channel = _reload(channel)
    if owner is not None:
        data = {"channel": serialize_channel(channel)}
        if announce_owner:
            data["playerAlias"] = serialize_alias(owner)
        events.publish_member_added(owner.id, channel.id, RES_PLAYER_JOINED, data)
    return channel


def update_channel(
    *, channel, name=NOT_SUPPLIED, props=NOT_SUPPLIED, owner_alias_id=NOT_SUPPLIED, auto_cleanup=NOT_SUPPLIED, private=NOT_SUPPLIED,
    temporary_membership=NOT_SUPPLIED,
):
    """Update in Talo's order, recording `changedProperties` (docs/rest.md §6.5, docs/socket.md §10.10)."""
    with transaction.atomic():
        channel = _reload(channel, lock=True)
        if channel is None:
            raise NotFound("Channel not found")
        changed = []
        if name is not NOT_SUPPLIED and name.strip():
            channel.name = name.strip()
            changed.append("name")
        if props is not NOT_SUPPLIED:
            existing = [(prop.key, prop.value) for prop in channel.props.all()]
            _save_props(channel, merge_props(existing, props), replace=True)
            changed.append("props")
        new_owner = None
        new_owner_joined = False
        if owner_alias_id is not NOT_SUPPLIED:
            if owner_alias_id is None:
                channel.owner = None
            else:
                new_owner = player_selectors.get_alias(game_id=channel.game_id, alias_id=owner_alias_id)
                if new_owner is None:
                    raise NotFound("New owner not found")
                channel.owner = new_owner
                _, new_owner_joined = ChannelMembership.objects.get_or_create(channel=channel, alias=new_owner)
            changed.append("ownerAliasId")
        for field, value, wire_name in (
            ("auto_cleanup", auto_cleanup, "autoCleanup"),
            ("private", private, "private"),
            ("temporary_membership", temporary_membership, "temporaryMembership"),
        ):
            if value is not NOT_SUPPLIED:
                setattr(channel, field, value)
                changed.append(wire_name)
        if not changed:
            return channel
        channel.save()
        channel = _reload(channel)
        data = serialize_channel(channel)
        events.publish_channel_changed(channel.id)
        if new_owner is not None:
            payload = {"channel": data, "newOwner": serialize_alias(new_owner)}
            if new_owner_joined:
                events.publish_member_added(new_owner.id, channel.id, RES_OWNERSHIP_TRANSFERRED, payload)
            else:
                events.publish_to_channel(channel.id, RES_OWNERSHIP_TRANSFERRED, payload)
        if changed != ["ownerAliasId"]:
            events.publish_to_channel(channel.id, RES_UPDATED, {"channel": data, "changedProperties": changed})
    return channel


def _delete(channel):
    """`deleted` to the members first, then their connections leave the group (docs/socket.md §13);
    the channel's history goes too (docs/extensions.md §X1.5)."""
    events.publish_to_channel(channel.id, RES_DELETED, {"channel": serialize_channel(channel)})
    events.publish_channel_closed(channel.id)
    channel_id = channel.id
    channel.delete()
    # robust: the deletion is committed whatever happens to the history store.
    transaction.on_commit(lambda: history.store().delete(channel_id), robust=True)


def delete_channel(*, channel):
    with transaction.atomic():
        channel = _reload(channel, lock=True)
        if channel is not None:
            _delete(channel)


# --- membership ------------------------------------------------------------------------------


def join_channel(*, channel, alias):
    """Add a member; player-joined to the members (the joiner included) only if new."""
    with transaction.atomic():
        _, created = ChannelMembership.objects.get_or_create(channel=channel, alias=alias)
        if created:
            data = {"channel": serialize_channel(channel), "playerAlias": serialize_alias(alias)}
            events.publish_member_added(alias.id, channel.id, RES_PLAYER_JOINED, data)
    return created


def invite_to_channel(*, channel, invitee):
    """Invitees join at once (docs/rest.md §6.9); the message names the invitee."""
    return join_channel(channel=channel, alias=invitee)


def leave_channel(*, channel, alias, reason=LEAVE_REASON_DEFAULT):
    """Remove a member (docs/rest.md §6.8, docs/socket.md §12): player-left to the members before the
    removal (the leaver included), then either auto-cleanup (deleted) or removal."""
    with transaction.atomic():
        channel = _reload(channel, lock=True)
        if channel is None:
            return
        membership = ChannelMembership.objects.filter(channel=channel, alias=alias).first()
        if membership is None:
            return
        auto_cleanup = channel.auto_cleanup and (
            channel.owner_id == alias.id or selectors.count_members(channel.id) <= 1
        )
        events.publish_to_channel(
            channel.id,
            RES_PLAYER_LEFT,
            {"channel": serialize_channel(channel), "playerAlias": serialize_alias(alias), "meta": {"reason": reason}},
        )
        if auto_cleanup:
            _delete(channel)
            return
        membership.delete()
        if channel.owner_id == alias.id:
            channel.owner = None
            channel.save(update_fields=["owner", "updated_at"])
            events.publish_channel_changed(channel.id)
        events.publish_channel_left(alias.id, channel.id)


def leave_temporary_channels(*, alias):
    """Temporary-membership clean-up when the alias's player goes offline (docs/socket.md §12):
    leave every temporary-membership channel with reason 1."""
    for channel in selectors.temporary_channels_of(alias.id):
        leave_channel(channel=channel, alias=alias, reason=LEAVE_REASON_TEMPORARY_MEMBERSHIP)


# --- storage ---------------------------------------------------------------------------------


def _deleted_form(row, alias, now):
    row.last_updated_by = alias
    row.updated_at = now
    return serialize_storage_prop(row)


def put_storage(*, channel, alias, props):
    """PUT …/storage (docs/rest.md §6.13), serialised per channel. `props`: [(key, string or None)].
    Returns (upserted, deleted, failed) in their JSON forms."""
    entries = [(key, value) for key, value in props if key]
    scalars = {}
    arrays = {}
    for key, value in entries:
        if is_array_key(key):
            values = arrays.setdefault(key, [])
            if value is not None and value not in values:
                values.append(value)
        else:
            scalars[key] = value
    profane = []
    if channel.game.block_props_profanity:
        profane = list(dict.fromkeys(key for key, value in entries if value is not None and is_profane(value)))
    upserted, deleted, failed = [], [], []
    with transaction.atomic():
        # The channel row is the per-channel lock (PostgreSQL; SQLite's IMMEDIATE transactions
        # already serialise writers).
        if not GameChannel.objects.select_for_update().filter(id=channel.id).exists():
            raise NotFound("Channel not found")
        now = timezone.now()
        existing = selectors.storage_rows(channel_id=channel.id, keys=[*scalars, *arrays])
        for key, value in scalars.items():
            if key in profane:
                continue
            rows = existing.get(key, [])
            if value is None or value == "":
                for row in rows:
                    row.delete()
                    deleted.append(_deleted_form(row, alias, now))
                continue
            if len(key) > MAX_KEY_LENGTH:
                failed.append(key_too_long(key))
                continue
            if len(value) > MAX_VALUE_LENGTH:
                failed.append(value_too_long(key, value))
                continue
            if rows:
                row = rows[0]
                row.value = value
                row.last_updated_by = alias
                row.save(update_fields=["value", "last_updated_by", "updated_at"])
            else:
                row = ChannelStorageProp.objects.create(
                    channel_id=channel.id, key=key, value=value, created_by=alias, last_updated_by=alias
                )
            upserted.append(serialize_storage_prop(row))
        for key, values in arrays.items():
            if key in profane:
                continue
            rejected = size_rejection(key, values)
            if rejected is not None:
                failed.append(rejected)
                continue
            rows = existing.get(key, [])
            creator = rows[0].created_by if rows else alias
            kept = {}
            for row in rows:
                if row.value in values and row.value not in kept:
                    row.last_updated_by = alias
                    row.save(update_fields=["last_updated_by", "updated_at"])
                    kept[row.value] = row
                else:
                    row.delete()
                    deleted.append(_deleted_form(row, alias, now))
            for value in values:
                row = kept.get(value) or ChannelStorageProp.objects.create(
                    channel_id=channel.id, key=key, value=value, created_by=creator, last_updated_by=alias
                )
                upserted.append(serialize_storage_prop(row))
        failed += [contains_profanity(key) for key in profane]
        events.publish_to_channel(
            channel.id,
            RES_STORAGE_UPDATED,
            {"channel": serialize_channel(channel), "upsertedProps": upserted, "deletedProps": deleted},
        )
    return upserted, deleted, failed
