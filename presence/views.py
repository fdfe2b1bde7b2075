"""Presence over REST (docs/rest.md §7)."""

import uuid

from rest_framework.response import Response
from rest_framework.views import APIView

from players import selectors
from players.api import load_alias, require_scopes
from players.scopes import READ_PLAYER_PRESENCE, WRITE_PLAYER_PRESENCE
from players.serializers import serialize_presence
from presence import services
from talo_project.errors import NotFound, ValidationFailed
from talo_project.rest.validation import (
    CUSTOM_STATUS_LENGTH,
    Validator,
    alias_id_header,
    is_bool,
    is_str,
    json_body,
)


class PresenceView(APIView):
    def get(self, request, player_id):
        try:
            player_uuid = uuid.UUID(player_id)
        except ValueError:
            raise ValidationFailed({"id": ["Invalid UUID"]}) from None
        require_scopes(request, READ_PLAYER_PRESENCE)
        player = selectors.get_player(game_id=request.auth.game_id, player_id=player_uuid)
        if player is None:
            raise NotFound("Player not found")
        return Response({"presence": serialize_presence(selectors.get_presence(player=player))})


class PresenceUpdateView(APIView):
    def put(self, request):
        alias_id = alias_id_header(request)
        body, validator = json_body(request), Validator()
        online = validator.optional(body, "online", "boolean", is_bool)
        custom_status = validator.optional(body, "customStatus", "string", is_str, max_length=CUSTOM_STATUS_LENGTH)
        validator.done()
        require_scopes(request, WRITE_PLAYER_PRESENCE)
        alias = load_alias(request, alias_id)
        presence = services.update_presence(alias=alias, online=online, custom_status=custom_status)
        return Response({"presence": serialize_presence(presence)})
