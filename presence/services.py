"""Player presence (docs/socket.md §10.9, §12; docs/differences.md row 2): online while a socket
identified as one of the player's aliases is open on any process, or as set over REST; every
write is pushed to the game's sockets with read:playerPresence."""

from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from game_channels import services as channel_services
from game_channels.selectors import MEMBER_CHANNEL_IDS, member_channel_ids
from players import selectors
from players.models import PlayerPresence
from players.scopes import READ_PLAYER_PRESENCE
from players.serializers import serialize_alias, serialize_presence
from presence.live_connections import registry as live_connections
from presence.models import ServerProcess
from sockets import events, wire
from sockets.connection import CLOSE_DISCONNECTED, DISCONNECTED
from sockets.hub import alias_group, game_group
from talo_project import prepared
from talo_project.values import NOT_SUPPLIED

RES_PRESENCE_UPDATED = "v1.players.presence.updated"


def _locked_presence(player_id):
    """The player's presence row (created if missing), locked until the transaction ends. Every
    presence write and every change to the player's live connections happens under this lock."""
    presence = selectors.get_presence_for_update(player_id=player_id)
    if presence is None:
        # One statement, safe against a concurrent first write (no savepoint, no second read).
        PlayerPresence.objects.bulk_create([PlayerPresence(player_id=player_id)], ignore_conflicts=True)
        presence = selectors.get_presence_for_update(player_id=player_id)
    return presence


def _write_presence(presence, *, alias, online=NOT_SUPPLIED, custom_status=NOT_SUPPLIED, skip_connection_id=None):
    """Apply one presence write (docs/socket.md §12) and publish §10.9 on commit; returns the frame
    and the alias's JSON in it.
    `meta` compares the stored values with the *supplied* ones: an unsupplied field counts as
    changed (§10 details)."""
    meta = {
        "onlineChanged": online is NOT_SUPPLIED or presence.online != online,
        "customStatusChanged": custom_status is NOT_SUPPLIED or presence.custom_status != custom_status,
    }
    presence.player_alias = alias
    if online is not NOT_SUPPLIED:
        presence.online = online
    if custom_status is not NOT_SUPPLIED:
        presence.custom_status = custom_status
    if not presence.online and alias is not None:
        # docs/socket.md §12: temporary memberships end when the player goes offline.
        channel_services.leave_temporary_channels(alias=alias)
    _save(presence)
    return _announce(presence, alias, meta, skip_connection_id)


# Every presence write is this one statement (a model save() compiled its UPDATE each time).
_SAVE = "UPDATE {table} SET player_alias_id = %s, online = %s, custom_status = %s, updated_at = %s WHERE id = %s".format(
    table=PlayerPresence._meta.db_table
)


def _save(presence):
    presence.updated_at = timezone.now()
    with prepared.cursor() as cursor:
        cursor.execute(
            _SAVE,
            [
                presence.player_alias_id,
                presence.online,
                presence.custom_status,
                connection.ops.adapt_datetimefield_value(presence.updated_at),
                presence.id,
            ],
        )


def _announce(presence, alias, meta, skip_connection_id=None):
    """Publish the written presence (§10.9) to the game on commit; returns the frame and the
    alias's JSON in it (serialised once)."""
    alias_data = None
    if alias is not None:
        alias.player.presence = presence  # the nested copy inside playerAlias agrees
        alias_data = serialize_alias(alias)
    text = wire.frame(RES_PRESENCE_UPDATED, {"presence": serialize_presence(presence, alias_data=alias_data), "meta": meta})
    events.publish(
        events.frame_event(
            game_group(presence.player.game_id if alias is None else alias.game_id),
            text,
            scope=READ_PLAYER_PRESENCE,
            identified=True,
            skip=skip_connection_id,
        )
    )
    return text, alias_data


# PostgreSQL, a socket identify: the player's presence set online — the row locked and updated,
# or created online if the player has none — and the alias's channel ids read, in one statement.
# Returns the presence id, its custom status, whether it was online before and the channel ids;
# no row when a concurrent first write created the presence meanwhile (the statement is then run
# again and finds it).
_SET_ONLINE = """
WITH old AS (SELECT id, online FROM {table} WHERE player_id = %s FOR UPDATE),
updated AS (
  UPDATE {table} p SET online = true, player_alias_id = %s, updated_at = %s
  FROM old WHERE p.id = old.id RETURNING p.id, p.custom_status, old.online
),
inserted AS (
  INSERT INTO {table} (player_id, player_alias_id, online, custom_status, updated_at)
  SELECT %s, %s, true, '', %s WHERE NOT EXISTS (SELECT 1 FROM old)
  ON CONFLICT (player_id) DO NOTHING RETURNING id, custom_status, false
)
SELECT written.*, ARRAY({channel_ids}) FROM (SELECT * FROM updated UNION ALL SELECT * FROM inserted) written
""".format(table=PlayerPresence._meta.db_table, channel_ids=MEMBER_CHANNEL_IDS)


def _set_online(alias):
    now = timezone.now()
    params = [alias.player_id, alias.id, now, alias.player_id, alias.id, now, alias.id]
    with prepared.cursor() as cursor:
        for _ in range(3):  # a concurrent first write can win the insert once; a rolled-back one once more
            cursor.execute(_SET_ONLINE, params)
            row = cursor.fetchone()
            if row is not None:
                break
        else:
            raise RuntimeError(f"presence of player {alias.player_id} neither found nor created")
    presence_id, custom_status, was_online, channel_ids = row
    presence = PlayerPresence(
        id=presence_id, player_id=alias.player_id, player_alias=alias, online=True, custom_status=custom_status, updated_at=now
    )
    return presence, was_online, channel_ids


def update_presence(*, alias, online=NOT_SUPPLIED, custom_status=NOT_SUPPLIED):
    """REST `PUT /v1/players/presence` (docs/rest.md §7)."""
    with transaction.atomic():
        presence = _locked_presence(alias.player_id)
        _write_presence(presence, alias=alias, online=online, custom_status=custom_status)
    return presence


def connection_identified(*, alias, connection_id):
    """Socket identify, step 6: count the connection for the player and set it online. The
    presence frame is published to every other qualifying connection of the game and returned (with
    the alias's JSON and the ids of the alias's channels) for the identifying connection, which
    must get it before `identify.success` (docs/socket.md §9.1).

    The connection is registered before the presence is written: a close of the player's last
    other connection then either sees it (and writes nothing) or holds the row lock while it
    writes offline, and this write waits for that and comes last. On PostgreSQL the write is one
    statement and no transaction is held around the registry."""
    live_connections().add(str(alias.player_id), connection_id)
    if connection.vendor == "postgresql":
        presence, was_online, channel_ids = _set_online(alias)
        meta = {"onlineChanged": not was_online, "customStatusChanged": True}
        return *_announce(presence, alias, meta, connection_id), channel_ids
    with transaction.atomic():
        presence = _locked_presence(alias.player_id)
        written = _write_presence(presence, alias=alias, online=True, skip_connection_id=connection_id)
    return *written, member_channel_ids(alias.id)


def connection_closed(*, game_id, connection_id, aliases_by_player):
    """An identified connection closed (docs/socket.md §3.3, docs/differences.md row 2). `aliases_by_player`
    maps each player the connection identified as to the last alias it used for it. A player whose
    last live connection this was goes offline with that alias (clean-up, then broadcast); one
    whose alias no longer exists is only forgotten. The alias is loaded only for a last connection."""
    for player_id, alias_id in aliases_by_player.items():
        with transaction.atomic():
            presence = _locked_presence(player_id)
            if live_connections().remove(str(player_id), connection_id) > 0:
                continue
            alias = selectors.get_alias(game_id=game_id, alias_id=alias_id)
            if alias is not None:
                _write_presence(presence, alias=alias, online=False)


def refresh_live_connections(entries):
    """Keep this process's identified connections (player id, connection) alive in the shared
    registry. A connection that closed since the entries were taken is left out: its clean-up may
    already have removed it (on the other upkeep thread), and it must not come back."""
    live_connections().refresh(
        [(str(player_id), connection.connection_id) for player_id, connection in entries if not connection.closed]
    )


def sweep_stale_presence():
    """Set offline every online player without a live connection whose connections died with
    their process (within PRESENCE_TTL), or whose online presence came from REST alone and is
    older than PRESENCE_STALE_SECONDS. Safe to run on every process at once; one process per
    period does the work."""
    if not live_connections().claim_sweep(max(1, settings.TALO_SOCKET["PRESENCE_TTL"] // 3) - 0.5):
        return
    now = timezone.now()
    stale_after = settings.TALO_SOCKET["PRESENCE_STALE_SECONDS"]
    candidates = list(
        PlayerPresence.objects.filter(
            online=True, updated_at__lt=now - timedelta(seconds=settings.TALO_SOCKET["PRESENCE_TTL"])
        ).values_list("player_id", "updated_at")
    )
    statuses = live_connections().statuses([str(player_id) for player_id, _ in candidates])
    for (player_id, updated_at), (live, died) in zip(candidates, statuses):
        if live or not (died or updated_at < now - timedelta(seconds=stale_after)):
            continue
        with transaction.atomic():
            presence = selectors.get_presence_for_update(player_id=player_id)
            if presence is None or not presence.online or live_connections().status(str(player_id))[0]:
                continue
            alias = None
            if presence.player_alias_id is not None:
                alias = selectors.get_alias(game_id=presence.player.game_id, alias_id=presence.player_alias_id)
            _write_presence(presence, alias=alias, online=False)


# --- operators: server processes and disconnects (presence.admin, presence.processes) -----------


def announce_process(*, name, with_redis, started_at, recent):
    """Record the server process `name` as running; returns the other processes seen in the last
    `recent` seconds. Processes not seen for a day are forgotten."""
    now = timezone.now()
    ServerProcess.objects.update_or_create(
        name=name, defaults={"with_redis": with_redis, "started_at": started_at, "seen_at": now}
    )
    ServerProcess.objects.filter(seen_at__lt=now - timedelta(days=1)).delete()
    return list(ServerProcess.objects.filter(seen_at__gte=now - timedelta(seconds=recent)).exclude(name=name))


def disconnect_connection(*, game_id, connection_id):
    """Close one socket of the game, on whichever process holds it, with 4000 DISCONNECTED
    (docs/socket.md §3)."""
    events.publish_close(game_group(game_id), CLOSE_DISCONNECTED, DISCONNECTED, connection_id=connection_id)


def disconnect_player(*, player):
    """Close every socket identified as one of the player's aliases with 4000 DISCONNECTED."""
    for alias_id in player.aliases.values_list("id", flat=True):
        events.publish_close(alias_group(alias_id), CLOSE_DISCONNECTED, DISCONNECTED)
