"""Thin REST views: validate, check scopes, call a service or selector, serialise
(docs/rest.md §3–5, §8, §9). Errors are raised, never caught: DRF's exception handler
(talo_project.rest.exceptions) answers them."""

import uuid

from rest_framework.response import Response
from rest_framework.views import APIView

from players import selectors, tickets
from players.api import load_alias, require_scopes
from players.models import PlayerAliasSubscription
from players.scopes import (
    READ_GAME_CONFIG,
    READ_PLAYER_RELATIONSHIPS,
    READ_PLAYERS,
    WRITE_PLAYER_RELATIONSHIPS,
    WRITE_PLAYERS,
)
from players.serializers import serialize_alias, serialize_live_config, serialize_player, serialize_subscription
from players.services import auth, identity, relationships
from talo_project.errors import NotFound, ServiceError
from talo_project.rest.pagination import page_body
from talo_project.rest.validation import (
    NOT_A_NUMBER,
    Validator,
    alias_id_header,
    digits,
    header,
    header_flag,
    is_bool,
    is_int,
    is_str,
    json_body,
    number_id,
    route_id,
    NAME_LENGTH,
)
from talo_project.values import NOT_SUPPLIED

DEV_BUILD_HEADER = "x-talo-dev-build"


class PublicHealthView(APIView):
    """GET /public/health: no auth, 204 — Godot decides it is online with this (docs/rest.md §3)."""

    authentication_classes = ()
    permission_classes = ()

    def get(self, request):
        return Response(status=204)


class HealthCheckView(APIView):
    def get(self, request):
        return Response(status=204)


class SocketTicketView(APIView):
    """POST /v1/socket-tickets: any valid key, no scope, body ignored (docs/rest.md §4)."""

    def post(self, request):
        ticket = tickets.create_ticket(access_key=request.auth, dev_build=header_flag(request, DEV_BUILD_HEADER))
        return Response({"ticket": ticket})


class IdentifyView(APIView):
    def get(self, request):
        validator = Validator()
        service = validator.required_query(request, "service")
        identifier = validator.required_query(request, "identifier")
        validator.done()
        require_scopes(request, READ_PLAYERS)
        alias, socket_token = identity.identify_player(
            access_key=request.auth,
            service=service,
            identifier=identifier,
            dev_build=header_flag(request, DEV_BUILD_HEADER),
            session_token=header(request, "x-talo-session"),
        )
        return Response({"alias": serialize_alias(alias), "socketToken": socket_token})


class SocketTokenView(APIView):
    def post(self, request):
        alias_id = alias_id_header(request)
        require_scopes(request, WRITE_PLAYERS)
        token = identity.create_socket_token(access_key=request.auth, alias_id=alias_id)
        return Response({"socketToken": token})


class PlayerView(APIView):
    def get(self, request, player_id):
        require_scopes(request, READ_PLAYERS)
        try:
            player_uuid = uuid.UUID(player_id)
        except ValueError:
            raise NotFound("Player not found") from None
        player = selectors.get_player(game_id=request.auth.game_id, player_id=player_uuid)
        if player is None:
            raise NotFound("Player not found")
        return Response({"player": serialize_player(player, with_aliases=True)})


class GameConfigView(APIView):
    def get(self, request):
        require_scopes(request, READ_GAME_CONFIG)
        return Response({"config": serialize_live_config(request.auth.game)})


# --- player relationships (docs/rest.md §8) -----------------------------------------------------

RELATIONSHIP_TYPES = {choice for choice, _ in PlayerAliasSubscription.RELATIONSHIP_TYPES}
RELATIONSHIP_TYPE_MESSAGE = 'relationshipType must be either "unidirectional" or "bidirectional"'


class RelationshipsView(APIView):
    def post(self, request):
        alias_id = alias_id_header(request)
        body, validator = json_body(request), Validator()
        subscribed_to_id = number_id(validator.required(body, "aliasId", "number", is_int, invalid=0))
        if not is_str(body.get("relationshipType")) or body["relationshipType"] not in RELATIONSHIP_TYPES:
            validator.error("relationshipType", RELATIONSHIP_TYPE_MESSAGE)
        validator.done()
        require_scopes(request, WRITE_PLAYER_RELATIONSHIPS)
        alias = load_alias(request, alias_id)
        subscription = relationships.create_subscription(
            subscriber=alias, subscribed_to_id=subscribed_to_id, relationship_type=body["relationshipType"]
        )
        return Response({"subscription": serialize_subscription(subscription)})


class ConfirmRelationshipView(APIView):
    def put(self, request, subscription_id):
        alias_id = alias_id_header(request)
        subscription_id = route_id(subscription_id)
        require_scopes(request, WRITE_PLAYER_RELATIONSHIPS)
        alias = load_alias(request, alias_id)
        subscription = relationships.confirm_subscription(alias=alias, subscription_id=subscription_id)
        return Response({"subscription": serialize_subscription(subscription)})


class RelationshipView(APIView):
    def delete(self, request, subscription_id):
        alias_id = alias_id_header(request)
        subscription_id = route_id(subscription_id)
        require_scopes(request, WRITE_PLAYER_RELATIONSHIPS)
        alias = load_alias(request, alias_id)
        relationships.delete_subscription(alias=alias, subscription_id=subscription_id)
        return Response(status=204)


class RelationshipListView(APIView):
    """`GET …/subscribers` and `GET …/subscriptions`: one view, the direction from the URL."""

    direction = None

    def get(self, request):
        alias_id = alias_id_header(request)
        query, validator = request.query_params, Validator()
        filters = {"confirmed": {"true": True, "false": False}.get(query.get("confirmed"))}
        for name, target in (("aliasId", "other_alias_id"), ("page", "page")):
            value = query.get(name)
            if value is not None:
                filters[target] = digits(value)
                if filters[target] is None:
                    validator.error(name, NOT_A_NUMBER)
        relationship_type = query.get("relationshipType")
        if relationship_type is not None and relationship_type not in RELATIONSHIP_TYPES:
            validator.error("relationshipType", RELATIONSHIP_TYPE_MESSAGE)
        validator.done()
        require_scopes(request, READ_PLAYER_RELATIONSHIPS)
        alias = load_alias(request, alias_id)
        items, count, is_last_page = selectors.list_subscriptions(
            alias=alias, direction=self.direction, relationship_type=relationship_type, **filters
        )
        return Response(page_body("subscriptions", [serialize_subscription(item) for item in items], count, is_last_page))


# --- Talo player authentication (docs/rest.md §5.4) ---------------------------------------------

AUTH_SCOPES = (READ_PLAYERS, WRITE_PLAYERS)
PASSWORD_LENGTH = 1024  # hashed, never stored as sent; bounded for the hashing's sake


def _session_response(result):
    body = {"alias": serialize_alias(result["alias"]), "sessionToken": result["session_token"]}
    if result["refresh_token"] is not None:
        body["refreshToken"] = result["refresh_token"]
    body["socketToken"] = result["socket_token"]
    return Response(body)


def _credentials(request, validator):
    body = json_body(request)
    identifier = validator.required(body, "identifier", "string", is_str, max_length=NAME_LENGTH)
    password = validator.required(body, "password", "string", is_str, max_length=PASSWORD_LENGTH)
    with_refresh = validator.optional(body, "withRefresh", "boolean", is_bool)
    return body, identifier, password, with_refresh is True


class RegisterView(APIView):
    def post(self, request):
        validator = Validator()
        body, identifier, password, with_refresh = _credentials(request, validator)
        email = validator.optional(body, "email", "string", is_str, max_length=NAME_LENGTH)
        verification_enabled = validator.optional(body, "verificationEnabled", "boolean", is_bool)
        validator.done()
        require_scopes(request, *AUTH_SCOPES)
        email = None if email is NOT_SUPPLIED else email.strip()
        verification_enabled = verification_enabled is True
        if verification_enabled and not email:
            raise ServiceError("An email address is required to enable verification", errorCode="MISSING_EMAIL")
        result = auth.register_player(
            game=request.auth.game,
            identifier=identifier.strip(),
            password=password,
            email=email,
            verification_enabled=verification_enabled,
            with_refresh=with_refresh,
            dev_build=header_flag(request, DEV_BUILD_HEADER),
        )
        return _session_response(result)


class LoginView(APIView):
    def post(self, request):
        validator = Validator()
        _, identifier, password, with_refresh = _credentials(request, validator)
        validator.done()
        require_scopes(request, *AUTH_SCOPES)
        result = auth.login_player(
            game=request.auth.game, identifier=identifier.strip(), password=password, with_refresh=with_refresh
        )
        if result.get("verification_required"):
            return Response({"aliasId": result["alias_id"], "verificationRequired": True})
        return _session_response(result)


class RefreshView(APIView):
    def post(self, request):
        validator = Validator()
        refresh_token = validator.required(json_body(request), "refreshToken", "string", is_str)
        validator.done()
        require_scopes(request, *AUTH_SCOPES)
        session_token, refresh_token = auth.refresh_session(game=request.auth.game, refresh_token=refresh_token)
        return Response({"sessionToken": session_token, "refreshToken": refresh_token})


class LogoutView(APIView):
    def post(self, request):
        alias_id = alias_id_header(request)
        require_scopes(request, *AUTH_SCOPES)
        auth.logout_player(alias=load_alias(request, alias_id))
        return Response(status=204)
