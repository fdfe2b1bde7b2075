"""Reads of the admin's live view (presence.admin): online players, live connections, processes."""

from datetime import datetime, timedelta, timezone as dt_timezone

from django.utils import timezone

from players.models import AccessKey, PlayerAlias, PlayerPresence
from presence.models import ServerProcess
from presence.processes import recent_seconds
from sockets import live

MAX_ROWS = 500


def online_players(game):
    return list(
        PlayerPresence.objects.filter(player__game=game, online=True)
        .select_related("player", "player_alias")
        .prefetch_related("player__aliases")
        .order_by("-updated_at")[:MAX_ROWS]
    )


def live_connections(game):
    """The game's open connections on every process (sockets.live), each with `alias` (a
    PlayerAlias or None) and `key` (an AccessKey) added; None where they cannot be known."""
    connections = live.connections(game.id)
    if connections is None:
        return None
    aliases = PlayerAlias.objects.select_related("player").in_bulk({c["alias_id"] for c in connections if c["alias_id"]})
    keys = AccessKey.objects.in_bulk({c["key_id"] for c in connections})
    return [
        {
            **connection,
            "alias": aliases.get(connection["alias_id"]),
            "key": keys.get(connection["key_id"]),
            "since": datetime.fromtimestamp(connection["connected_at"], dt_timezone.utc),
        }
        for connection in connections
    ]


def running_processes():
    recent = timezone.now() - timedelta(seconds=recent_seconds())
    return list(ServerProcess.objects.filter(seen_at__gte=recent).order_by("started_at"))
