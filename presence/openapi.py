"""OpenAPI description of the presence endpoints (docs/rest.md §7). Applied from
PresenceConfig.ready()."""

from drf_spectacular.utils import extend_schema, extend_schema_view

from players.openapi import PRESENCE
from presence import views
from talo_project.rest.openapi import (
    body, ALIAS_HEADER, BOOLEAN, INVALID, NOT_FOUND, STRING, obj, path_id, responses,
)

extend_schema_view(get=extend_schema(
    summary="A player's presence (a default when it has none)", tags=["presence"],
    parameters=[path_id("player_id", "the player's UUID")],
    responses=responses(obj(presence=PRESENCE), (400, INVALID), (404, NOT_FOUND)),
))(views.PresenceView)
extend_schema_view(put=extend_schema(
    summary="Set the alias's player online/offline and its custom status", tags=["presence"],
    parameters=[ALIAS_HEADER],
    request=body(obj(optional=("online", "customStatus"), online=BOOLEAN, customStatus=STRING)),
    responses=responses(obj(presence=PRESENCE), (400, INVALID), (404, NOT_FOUND)),
))(views.PresenceUpdateView)
