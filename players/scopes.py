"""Access key scopes exactly as Talo spells them (rest.md §2.4)."""

FULL_ACCESS = "*"

ALL_SCOPES = [
    "read:playerPresence",
    "write:playerPresence",
    "read:gameChannels",
    "write:gameChannels",
    "read:playerGroups",
    "write:continuityRequests",
    "read:gameFeedback",
    "write:gameFeedback",
    "read:gameConfig",
    "write:gameConfig",
    "read:gameStats",
    "write:gameStats",
    "read:gameSaves",
    "write:gameSaves",
    "read:leaderboards",
    "write:leaderboards",
    "read:players",
    "write:players",
    "read:events",
    "write:events",
    "read:playerRelationships",
    "write:playerRelationships",
    "read:playerBroadcasts",
    "write:playerBroadcasts",
]
VALID_SCOPES = frozenset(ALL_SCOPES) | {FULL_ACCESS}


def missing_scopes(granted, required):
    """The required scopes that `granted` lacks, in the order they were required."""
    if FULL_ACCESS in granted:
        return []
    return [scope for scope in required if scope not in granted]


def missing_scopes_message(missing):
    return "Missing access key scope(s): " + ", ".join(missing)
