"""Thin REST views: validate, check scopes, call a service or selector, serialise (rest.md §3, §5)."""

import uuid

from django.http import HttpResponse
from rest_framework.response import Response
from rest_framework.views import APIView

from players import selectors, services
from players.api import (
    ABSENT,
    NOT_A_NUMBER,
    ApiError,
    ValidationFailed,
    alias_id_header,
    expected,
    header_flag,
    json_body,
    load_alias,
    require_scopes,
    route_id,
)
from players.models import PlayerAliasSubscription
from players.serializers import (
    serialize_alias,
    serialize_live_config,
    serialize_player,
    serialize_presence,
    serialize_subscription,
)


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
                session_token=request.headers.get("x-talo-session"),
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


def _optional_field(body, name, type_name, python_type, errors):
    if name not in body:
        return services.UNSUPPLIED
    value = body[name]
    if not isinstance(value, python_type) or (python_type is not bool and isinstance(value, bool)):
        errors[name] = [expected(type_name, value)]
    return value


def _required_field(body, name, type_name, python_type, errors):
    value = body.get(name, ABSENT)
    if not isinstance(value, python_type) or (python_type is not bool and isinstance(value, bool)):
        errors[name] = [expected(type_name, value)]
    return value


def _validated(errors):
    if errors:
        raise ValidationFailed(errors)


# --- presence (rest.md §7) -----------------------------------------------------------------------


class PresenceView(APIView):
    def get(self, request, player_id):
        try:
            player_uuid = uuid.UUID(player_id)
        except ValueError:
            raise ValidationFailed({"id": ["Invalid UUID"]}) from None
        require_scopes(request, "read:playerPresence")
        player = selectors.get_player(game_id=request.auth.game_id, player_id=player_uuid)
        if player is None:
            raise ApiError(404, "Player not found")
        return Response({"presence": serialize_presence(selectors.get_presence(player=player))})


class PresenceUpdateView(APIView):
    def put(self, request):
        alias_id = alias_id_header(request)
        body, errors = json_body(request), {}
        online = _optional_field(body, "online", "boolean", bool, errors)
        custom_status = _optional_field(body, "customStatus", "string", str, errors)
        _validated(errors)
        require_scopes(request, "write:playerPresence")
        alias = load_alias(request, alias_id)
        presence = services.update_presence(alias=alias, online=online, custom_status=custom_status)
        return Response({"presence": serialize_presence(presence)})


# --- live config (rest.md §9) --------------------------------------------------------------------


class GameConfigView(APIView):
    def get(self, request):
        require_scopes(request, "read:gameConfig")
        return Response({"config": serialize_live_config(request.auth.game)})


# --- player relationships (rest.md §8) -----------------------------------------------------------

RELATIONSHIP_TYPES = {choice for choice, _ in PlayerAliasSubscription.RELATIONSHIP_TYPES}
RELATIONSHIP_TYPE_MESSAGE = 'relationshipType must be either "unidirectional" or "bidirectional"'


class RelationshipsView(APIView):
    def post(self, request):
        alias_id = alias_id_header(request)
        body, errors = json_body(request), {}
        subscribed_to_id = _required_field(body, "aliasId", "number", int, errors)
        if body.get("relationshipType") not in RELATIONSHIP_TYPES:
            errors["relationshipType"] = [RELATIONSHIP_TYPE_MESSAGE]
        _validated(errors)
        require_scopes(request, "write:playerRelationships")
        alias = load_alias(request, alias_id)
        subscription = service_errors(
            lambda: services.create_subscription(
                subscriber=alias, subscribed_to_id=subscribed_to_id, relationship_type=body["relationshipType"]
            )
        )
        return Response({"subscription": serialize_subscription(subscription)})


class ConfirmRelationshipView(APIView):
    def put(self, request, subscription_id):
        alias_id = alias_id_header(request)
        subscription_id = route_id(subscription_id)
        require_scopes(request, "write:playerRelationships")
        alias = load_alias(request, alias_id)
        subscription = service_errors(
            lambda: services.confirm_subscription(alias=alias, subscription_id=subscription_id)
        )
        return Response({"subscription": serialize_subscription(subscription)})


class RelationshipView(APIView):
    def delete(self, request, subscription_id):
        alias_id = alias_id_header(request)
        subscription_id = route_id(subscription_id)
        require_scopes(request, "write:playerRelationships")
        alias = load_alias(request, alias_id)
        service_errors(lambda: services.delete_subscription(alias=alias, subscription_id=subscription_id))
        return Response(status=204)


class RelationshipListView(APIView):
    """`GET …/subscribers` and `GET …/subscriptions`: one view, the direction from the URL."""

    direction = None

    def get(self, request):
        alias_id = alias_id_header(request)
        query, errors = request.query_params, {}
        filters = {"confirmed": {"true": True, "false": False}.get(query.get("confirmed"))}
        for name, target in (("aliasId", "other_alias_id"), ("page", "page")):
            value = query.get(name)
            if value is not None:
                if value.isdigit() and value.isascii() and len(value) <= 18:
                    filters[target] = int(value)
                else:
                    errors[name] = [NOT_A_NUMBER]
        relationship_type = query.get("relationshipType")
        if relationship_type is not None and relationship_type not in RELATIONSHIP_TYPES:
            errors["relationshipType"] = [RELATIONSHIP_TYPE_MESSAGE]
        _validated(errors)
        require_scopes(request, "read:playerRelationships")
        alias = load_alias(request, alias_id)
        items, count, is_last_page = selectors.list_subscriptions(
            alias=alias, direction=self.direction, relationship_type=relationship_type, **filters
        )
        return Response(
            {
                "subscriptions": [serialize_subscription(item) for item in items],
                "count": count,
                "itemsPerPage": selectors.PAGE_SIZE,
                "isLastPage": is_last_page,
            }
        )


# --- Talo player authentication (rest.md §5.4) ---------------------------------------------------

AUTH_SCOPES = ("read:players", "write:players")


def _session_response(result):
    body = {"alias": serialize_alias(result["alias"]), "sessionToken": result["session_token"]}
    if result["refresh_token"] is not None:
        body["refreshToken"] = result["refresh_token"]
    body["socketToken"] = result["socket_token"]
    return Response(body)


def _credentials(request):
    body, errors = json_body(request), {}
    identifier = _required_field(body, "identifier", "string", str, errors)
    password = _required_field(body, "password", "string", str, errors)
    with_refresh = _optional_field(body, "withRefresh", "boolean", bool, errors)
    return body, errors, identifier, password, with_refresh is True


class RegisterView(APIView):
    def post(self, request):
        body, errors, identifier, password, with_refresh = _credentials(request)
        email = _optional_field(body, "email", "string", str, errors)
        verification_enabled = _optional_field(body, "verificationEnabled", "boolean", bool, errors)
        _validated(errors)
        require_scopes(request, *AUTH_SCOPES)
        email = None if email is services.UNSUPPLIED else email.strip()
        verification_enabled = verification_enabled is True
        if verification_enabled and not email:
            raise ApiError(400, "An email address is required to enable verification", errorCode="MISSING_EMAIL")
        result = service_errors(
            lambda: services.register_player(
                game=request.auth.game,
                identifier=identifier.strip(),
                password=password,
                email=email,
                verification_enabled=verification_enabled,
                with_refresh=with_refresh,
                dev_build=header_flag(request, "x-talo-dev-build"),
            )
        )
        return _session_response(result)


class LoginView(APIView):
    def post(self, request):
        _, errors, identifier, password, with_refresh = _credentials(request)
        _validated(errors)
        require_scopes(request, *AUTH_SCOPES)
        result = service_errors(
            lambda: services.login_player(
                game=request.auth.game, identifier=identifier.strip(), password=password, with_refresh=with_refresh
            )
        )
        if result.get("verification_required"):
            return Response({"aliasId": result["alias_id"], "verificationRequired": True})
        return _session_response(result)


class RefreshView(APIView):
    def post(self, request):
        body, errors = json_body(request), {}
        refresh_token = _required_field(body, "refreshToken", "string", str, errors)
        _validated(errors)
        require_scopes(request, *AUTH_SCOPES)
        session_token, refresh_token = service_errors(
            lambda: services.refresh_session(game=request.auth.game, refresh_token=refresh_token)
        )
        return Response({"sessionToken": session_token, "refreshToken": refresh_token})


class LogoutView(APIView):
    def post(self, request):
        alias_id = alias_id_header(request)
        require_scopes(request, *AUTH_SCOPES)
        services.logout_player(alias=load_alias(request, alias_id))
        return Response(status=204)
