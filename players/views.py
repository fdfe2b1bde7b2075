"""Thin REST views: validate, check scopes, call a service or selector, serialise (rest.md §3, §5)."""

import uuid

from django.http import HttpResponse
from rest_framework.response import Response
from rest_framework.views import APIView

from players import selectors, services
from players.api import ApiError, ValidationFailed, alias_id_header, header_flag, require_scopes
from players.serializers import serialize_alias, serialize_player


def public_health(request):
    """GET /public/health: no auth, 204 — Godot decides it is online with this (rest.md §3)."""
    return HttpResponse(status=204)


class HealthCheckView(APIView):
    def get(self, request):
        return Response(status=204)


def _required_query(request, name):
    value = request.query_params.get(name)
    if value is None:
        raise ValidationFailed({name: [f"{name} is missing from the request query"]})
    value = value.strip()
    if not value:
        raise ValidationFailed({name: [f"Invalid {name}, must be a non-empty string"]})
    return value


def service_errors(call):
    try:
        return call()
    except services.ServiceError as exc:
        raise ApiError(exc.status, exc.message, **exc.extra) from None


class IdentifyView(APIView):
    def get(self, request):
        errors = {}
        values = {}
        for name in ("service", "identifier"):
            try:
                values[name] = _required_query(request, name)
            except ValidationFailed as exc:
                errors.update(exc.errors)
        if errors:
            raise ValidationFailed(errors)
        require_scopes(request, "read:players")
        alias, socket_token = service_errors(
            lambda: services.identify_player(
                access_key=request.auth,
                service=values["service"],
                identifier=values["identifier"],
                dev_build=header_flag(request, "x-talo-dev-build"),
            )
        )
        return Response({"alias": serialize_alias(alias), "socketToken": socket_token})


class SocketTokenView(APIView):
    def post(self, request):
        alias_id = alias_id_header(request)
        require_scopes(request, "write:players")
        token = service_errors(lambda: services.create_socket_token(access_key=request.auth, alias_id=alias_id))
        return Response({"socketToken": token})


class PlayerView(APIView):
    def get(self, request, player_id):
        require_scopes(request, "read:players")
        try:
            player_uuid = uuid.UUID(player_id)
        except ValueError:
            raise ApiError(404, "Player not found") from None
        player = selectors.get_player(game_id=request.auth.game_id, player_id=player_uuid)
        if player is None:
            raise ApiError(404, "Player not found")
        return Response({"player": serialize_player(player, with_aliases=True)})
