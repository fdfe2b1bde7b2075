"""OpenAPI description of the players app's REST endpoints (docs/rest.md §3–5, §8, §9) and the
objects it owns (docs/objects.md §2–4, §7). Applied from PlayersConfig.ready()."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view

from players import views
from talo_project.rest.openapi import (
    body, ALIAS_HEADER, BAD_REQUEST, BOOLEAN, DATE, DEV_BUILD_HEADER, INTEGER, INVALID, NO_CONTENT, NOT_FOUND, PROP,
    SESSION_HEADER, STRING, UUID, array, component, nullable, obj, page, path_id, query, ref, responses,
)


class AccessKeyScheme(OpenApiAuthenticationExtension):
    target_class = "players.authentication.AccessKeyAuthentication"
    name = "accessKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A game's access key: `Bearer tk_…`"}


NESTED_PRESENCE = component("NestedPresence", obj(online=BOOLEAN, customStatus=STRING, updatedAt=DATE))
PLAYER_AUTH = component(
    "PlayerAuth", obj(email=nullable(STRING), verificationEnabled=BOOLEAN, sessionCreatedAt=nullable(DATE))
)
PLAYER = component("Player", obj(
    optional=("aliases", "auth"),
    id=UUID, props=array(PROP), aliases=array(ref("PlayerAlias")), devBuild=BOOLEAN, createdAt=DATE,
    lastSeenAt=DATE, groups=array(obj(id=UUID, name=STRING)), auth=PLAYER_AUTH, presence=nullable(NESTED_PRESENCE),
))
ALIAS = component("PlayerAlias", obj(
    id=INTEGER, service=STRING, identifier=STRING, displayName=STRING, player=PLAYER, lastSeenAt=DATE,
    createdAt=DATE, updatedAt=DATE,
))
PRESENCE = component(
    "PlayerPresence", obj(playerAlias=nullable(ALIAS), online=BOOLEAN, customStatus=STRING, updatedAt=DATE)
)
SUBSCRIPTION = component("PlayerAliasSubscription", obj(
    id=INTEGER, subscriber=ALIAS, subscribedTo=ALIAS, confirmed=BOOLEAN,
    relationshipType={"type": "string", "enum": ["unidirectional", "bidirectional"]}, createdAt=DATE, updatedAt=DATE,
))
SESSION = obj(optional=("refreshToken",), alias=ALIAS, sessionToken=STRING, refreshToken=STRING, socketToken=STRING)
CREDENTIALS = obj(optional=("withRefresh",), identifier=STRING, password=STRING, withRefresh=BOOLEAN)
RELATIONSHIP_FILTERS = [
    query("confirmed", description="`true` or `false`"),
    query("aliasId", description="only relationships with this alias"),
    query("relationshipType", description="`unidirectional` or `bidirectional`"),
    query("page", description="page number, from 0"),
]

extend_schema_view(get=extend_schema(
    summary="Health check (no access key needed)", tags=["health"], auth=[],
    responses={204: NO_CONTENT},
))(views.PublicHealthView)
extend_schema_view(get=extend_schema(
    summary="Health check with an access key", tags=["health"], responses=responses(NO_CONTENT)
))(views.HealthCheckView)
extend_schema_view(post=extend_schema(
    summary="A one-time socket ticket (docs/rest.md §4)", tags=["socket"], request=None, parameters=[DEV_BUILD_HEADER],
    responses=responses(obj(ticket=STRING)),
))(views.SocketTicketView)
extend_schema_view(get=extend_schema(
    summary="Identify a player, created on first use (docs/rest.md §5.1)", tags=["players"],
    parameters=[query("service", required=True), query("identifier", required=True), SESSION_HEADER, DEV_BUILD_HEADER],
    responses=responses(obj(alias=ALIAS, socketToken=STRING), (400, INVALID), (404, NOT_FOUND)),
))(views.IdentifyView)
extend_schema_view(post=extend_schema(
    summary="A socket token for an alias (docs/rest.md §5.2)", tags=["players"], request=None,
    parameters=[ALIAS_HEADER, SESSION_HEADER],
    responses=responses(obj(socketToken=STRING), (400, INVALID), (404, NOT_FOUND)),
))(views.SocketTokenView)
extend_schema_view(get=extend_schema(
    summary="A player with its aliases (docs/rest.md §5.3)", tags=["players"], parameters=[path_id("player_id")],
    responses=responses(obj(player=PLAYER), (404, NOT_FOUND)),
))(views.PlayerView)
extend_schema_view(get=extend_schema(
    summary="The game's live config (docs/rest.md §9)", tags=["live config"],
    responses=responses(obj(config=array(PROP))),
))(views.GameConfigView)
extend_schema_view(post=extend_schema(
    summary="Subscribe to another alias (docs/rest.md §8)", tags=["relationships"], parameters=[ALIAS_HEADER],
    request=body(obj(aliasId=INTEGER, relationshipType={"type": "string", "enum": ["unidirectional", "bidirectional"]})),
    responses=responses(obj(subscription=SUBSCRIPTION), (400, INVALID), (404, NOT_FOUND)),
))(views.RelationshipsView)
extend_schema_view(put=extend_schema(
    summary="Confirm a subscription to the alias", tags=["relationships"], request=None,
    parameters=[ALIAS_HEADER, path_id("subscription_id")],
    responses=responses(obj(subscription=SUBSCRIPTION), (400, INVALID), (404, NOT_FOUND)),
))(views.ConfirmRelationshipView)
extend_schema_view(delete=extend_schema(
    summary="Delete a subscription", tags=["relationships"], parameters=[ALIAS_HEADER, path_id("subscription_id")],
    responses=responses(NO_CONTENT, (400, INVALID), (404, NOT_FOUND)),
))(views.RelationshipView)
extend_schema_view(get=extend_schema(
    summary="The alias's subscribers or subscriptions, by page", tags=["relationships"],
    parameters=[ALIAS_HEADER, *RELATIONSHIP_FILTERS],
    responses=responses(page("subscriptions", SUBSCRIPTION), (400, INVALID), (404, NOT_FOUND)),
))(views.RelationshipListView)
extend_schema_view(post=extend_schema(
    summary="Register a Talo player account (docs/rest.md §5.4)", tags=["player auth"], parameters=[DEV_BUILD_HEADER],
    request=body(obj(optional=("withRefresh", "email", "verificationEnabled"), **CREDENTIALS["properties"],
                email=STRING, verificationEnabled=BOOLEAN)),
    responses=responses(SESSION, (400, OpenApiResponse(description="Validation failed, or `{message, errorCode}`"))),
))(views.RegisterView)
extend_schema_view(post=extend_schema(
    summary="Log a Talo player in", tags=["player auth"], request=body(CREDENTIALS),
    responses=responses(
        OpenApiResponse({"oneOf": [SESSION, obj(aliasId=INTEGER, verificationRequired=BOOLEAN)]}),
        (400, INVALID), (401, OpenApiResponse(description="Wrong identifier or password: `{message, errorCode}`")),
    ),
))(views.LoginView)
extend_schema_view(post=extend_schema(
    summary="Refresh a Talo player session", tags=["player auth"], request=body(obj(refreshToken=STRING)),
    responses=responses(obj(sessionToken=STRING, refreshToken=STRING), (400, INVALID), (401, BAD_REQUEST)),
))(views.RefreshView)
extend_schema_view(post=extend_schema(
    summary="Log a Talo player out", tags=["player auth"], request=None, parameters=[ALIAS_HEADER, SESSION_HEADER],
    responses=responses(NO_CONTENT, (400, INVALID), (404, NOT_FOUND)),
))(views.LogoutView)
