"""OpenAPI description of the game channel endpoints (docs/rest.md §6) and the objects they
answer with (docs/objects.md §5, §6, §9). Applied from GameChannelsConfig.ready()."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view

from game_channels import views
from players.openapi import ALIAS
from talo_project.rest.openapi import (
    body, ALIAS_HEADER, BOOLEAN, DATE, INCLUDE_DEV_DATA_HEADER, INTEGER, INVALID, MESSAGE, NO_CONTENT, NOT_FOUND, PROP,
    PROP_CHANGE, STRING, array, component, nullable, obj, page, path_id, query, responses,
)

CHANNEL_FIELDS = dict(
    id=INTEGER, name=STRING, owner=nullable(ALIAS), totalMessages=INTEGER, props=array(PROP), autoCleanup=BOOLEAN,
    private=BOOLEAN, temporaryMembership=BOOLEAN, createdAt=DATE, updatedAt=DATE,
)
CHANNEL = component("GameChannel", obj(**CHANNEL_FIELDS))
REST_CHANNEL = component("GameChannelWithMemberCount", obj(**CHANNEL_FIELDS, memberCount=INTEGER))
STORAGE_PROP = component("GameChannelStorageProp", obj(
    key=STRING, value=STRING, createdBy=ALIAS, lastUpdatedBy=ALIAS, createdAt=DATE, updatedAt=DATE
))
REJECTED_PROP = component("RejectedProp", obj(key=STRING, error=STRING, message=STRING))
PROPS_REJECTED = OpenApiResponse(
    {"oneOf": [
        component("ValidationErrorsOnly", obj(errors={"type": "object", "additionalProperties": array(STRING)})),
        obj(errors={"type": "object", "additionalProperties": array(STRING)}, rejectedProps=array(REJECTED_PROP)),
    ]},
    description="Validation failed; rejected props are listed in `rejectedProps` (docs/objects.md §11)",
)
FORBIDDEN = OpenApiResponse(MESSAGE, description="A missing scope, or not the owner / not a member / a private channel")
CHANNEL_ID = path_id("channel_id", "the channel's id")
FLAGS = dict(autoCleanup=BOOLEAN, private=BOOLEAN, temporaryMembership=BOOLEAN)
PROP_FILTERS = [query("propKey", description="only channels with this prop"), query("propValue")]
MEMBER_FILTERS = [
    query("page", description="page number, from 0"), query("playerId"), query("aliasId"), query("identifier"),
    query("playerPropKey"), query("playerPropValue"), query("playerGroupId"),
]
CHANNEL_ERRORS = ((400, INVALID), (403, FORBIDDEN), (404, NOT_FOUND))

extend_schema_view(
    get=extend_schema(
        summary="Public channels, most messages first, by page (docs/rest.md §6.1)", tags=["game channels"],
        operation_id="v1_game_channels_list",
        parameters=[query("page"), query("search"), *PROP_FILTERS, INCLUDE_DEV_DATA_HEADER],
        responses=responses(page("channels", REST_CHANNEL), (400, INVALID)),
    ),
    post=extend_schema(
        summary="Create a channel owned by the alias (§6.2)", tags=["game channels"], parameters=[ALIAS_HEADER],
        request=body(obj(optional=("props", *FLAGS), name=STRING, props=array(PROP), **FLAGS)),
        responses=responses(obj(channel=REST_CHANNEL), (400, PROPS_REJECTED), (404, NOT_FOUND)),
    ),
)(views.ChannelsView)
extend_schema_view(get=extend_schema(
    summary="The channels the alias is a member of (§6.3)", tags=["game channels"],
    parameters=[ALIAS_HEADER, *PROP_FILTERS, INCLUDE_DEV_DATA_HEADER],
    responses=responses(obj(channels=array(REST_CHANNEL)), (400, INVALID), (404, NOT_FOUND)),
))(views.SubscriptionsView)
extend_schema_view(
    get=extend_schema(
        summary="One channel (§6.4)", tags=["game channels"], parameters=[CHANNEL_ID, INCLUDE_DEV_DATA_HEADER],
        responses=responses(obj(channel=REST_CHANNEL), (400, INVALID), (404, NOT_FOUND)),
    ),
    put=extend_schema(
        summary="Update a channel (owner only; §6.5)", tags=["game channels"], parameters=[CHANNEL_ID, ALIAS_HEADER],
        request=body(obj(optional=("name", "props", "ownerAliasId", *FLAGS), name=STRING, props=array(PROP_CHANGE),
                    ownerAliasId=nullable(INTEGER), **FLAGS)),
        responses=responses(obj(channel=REST_CHANNEL), (400, PROPS_REJECTED), (403, FORBIDDEN), (404, NOT_FOUND)),
    ),
    delete=extend_schema(
        summary="Delete a channel (owner only; §6.6)", tags=["game channels"], parameters=[CHANNEL_ID, ALIAS_HEADER],
        responses=responses(NO_CONTENT, *CHANNEL_ERRORS),
    ),
)(views.ChannelView)
extend_schema_view(post=extend_schema(
    summary="Join a channel (§6.7)", tags=["game channels"], request=None, parameters=[CHANNEL_ID, ALIAS_HEADER],
    responses=responses(obj(channel=REST_CHANNEL), *CHANNEL_ERRORS),
))(views.JoinView)
extend_schema_view(post=extend_schema(
    summary="Leave a channel (§6.8)", tags=["game channels"], request=None, parameters=[CHANNEL_ID, ALIAS_HEADER],
    responses=responses(NO_CONTENT, *CHANNEL_ERRORS),
))(views.LeaveView)
extend_schema_view(post=extend_schema(
    summary="Add another alias to a channel (owner only; §6.9)", tags=["game channels"],
    parameters=[CHANNEL_ID, ALIAS_HEADER], request=body(obj(inviteeAliasId=INTEGER)),
    responses=responses(NO_CONTENT, *CHANNEL_ERRORS),
))(views.InviteView)
extend_schema_view(get=extend_schema(
    summary="A channel's members, by page (§6.10)", tags=["game channels"],
    parameters=[CHANNEL_ID, ALIAS_HEADER, *MEMBER_FILTERS],
    responses=responses(page("members", ALIAS), *CHANNEL_ERRORS),
))(views.MembersView)
HISTORY_MESSAGE = component("ChannelHistoryMessage", obj(offset=INTEGER, message=STRING, playerAlias=ALIAS, sentAt=DATE))
extend_schema_view(get=extend_schema(
    summary="A channel's recent messages (members; docs/extensions.md §X1.4)", tags=["game channels"],
    parameters=[
        CHANNEL_ID, ALIAS_HEADER, query("after", description="only messages with a higher offset"),
        query("epoch", description="the epoch `after` belongs to"), query("limit", description="1–100, default 50"),
    ],
    responses=responses(
        obj(channel=CHANNEL, messages=array(HISTORY_MESSAGE), epoch=STRING, latestOffset=INTEGER, complete=BOOLEAN),
        *CHANNEL_ERRORS,
    ),
))(views.MessagesView)
extend_schema_view(
    get=extend_schema(
        summary="One storage key of a channel (members; §6.11)", tags=["channel storage"],
        parameters=[CHANNEL_ID, ALIAS_HEADER, query("propKey", required=True)],
        responses=responses(obj(prop=nullable(STORAGE_PROP)), *CHANNEL_ERRORS),
    ),
    put=extend_schema(
        summary="Write storage keys (members; §6.13); a null value deletes", tags=["channel storage"],
        parameters=[CHANNEL_ID, ALIAS_HEADER], request=body(obj(props=array(PROP_CHANGE))),
        responses=responses(
            obj(channel=CHANNEL, upsertedProps=array(STORAGE_PROP), deletedProps=array(STORAGE_PROP),
                failedProps=array(REJECTED_PROP)),
            *CHANNEL_ERRORS,
        ),
    ),
)(views.StorageView)
extend_schema_view(get=extend_schema(
    summary="Several storage keys of a channel (members; §6.12)", tags=["channel storage"],
    parameters=[CHANNEL_ID, ALIAS_HEADER, query("propKeys", required=True, many=True, description="up to 50 keys")],
    responses=responses(obj(props=array(STORAGE_PROP)), *CHANNEL_ERRORS),
))(views.StorageListView)
