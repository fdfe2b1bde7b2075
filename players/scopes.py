"""Access key scopes exactly as Talo spells them (docs/rest.md §2.4), named once."""

from sockets.connection import FULL_ACCESS

READ_PLAYERS = "read:players"
WRITE_PLAYERS = "write:players"
READ_PLAYER_PRESENCE = "read:playerPresence"
WRITE_PLAYER_PRESENCE = "write:playerPresence"
READ_GAME_CHANNELS = "read:gameChannels"
WRITE_GAME_CHANNELS = "write:gameChannels"
READ_GAME_CONFIG = "read:gameConfig"
READ_PLAYER_RELATIONSHIPS = "read:playerRelationships"
WRITE_PLAYER_RELATIONSHIPS = "write:playerRelationships"
READ_PLAYER_BROADCASTS = "read:playerBroadcasts"
WRITE_PLAYER_BROADCASTS = "write:playerBroadcasts"

ALL_SCOPES = [
    READ_PLAYER_PRESENCE,
    WRITE_PLAYER_PRESENCE,
    READ_GAME_CHANNELS,
    WRITE_GAME_CHANNELS,
    "read:playerGroups",
    "write:continuityRequests",
    "read:gameFeedback",
    "write:gameFeedback",
    READ_GAME_CONFIG,
    "write:gameConfig",
    "read:gameStats",
    "write:gameStats",
    "read:gameSaves",
    "write:gameSaves",
    "read:leaderboards",
    "write:leaderboards",
    READ_PLAYERS,
    WRITE_PLAYERS,
    "read:events",
    "write:events",
    READ_PLAYER_RELATIONSHIPS,
    WRITE_PLAYER_RELATIONSHIPS,
    READ_PLAYER_BROADCASTS,
    WRITE_PLAYER_BROADCASTS,
]
VALID_SCOPES = frozenset(ALL_SCOPES) | {FULL_ACCESS}


def missing_scopes(granted, required):
    """The required scopes that `granted` lacks, in the order they were required."""
    if FULL_ACCESS in granted:
        return []
    return [scope for scope in required if scope not in granted]
