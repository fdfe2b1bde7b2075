"""Thin REST views for game channels (docs/rest.md §6): validate, check scopes, load the alias and
the channel, call a service or selector, serialise. Error precedence (docs/rest.md §2.2): validation
400 → scope 403 → alias 404 → channel 404 → owner/member/private 403."""

import uuid

from django.http import HttpResponse
from rest_framework.response import Response
from rest_framework.views import APIView

from game_channels import history, selectors, services
from game_channels.serializers import (
    serialize_channel,
    serialize_rest_channel,
    serialize_storage_list_items,
    serialize_storage_read,
)
from players.api import load_alias, require_scopes
from players.scopes import READ_GAME_CHANNELS as READ
from players.scopes import WRITE_GAME_CHANNELS as WRITE
from players.selectors import get_alias
from players.serializers import serialize_alias
from talo_project.errors import NotFound, ServiceError
from talo_project.rest.pagination import page_body, paginate
from talo_project.rest.validation import (
    NOT_A_NUMBER,
    Validator,
    alias_id_header,
    header_flag,
    is_bool,
    is_number,
    is_str,
    json_body,
    number_id,
    NAME_LENGTH,
)
from talo_project.values import NOT_SUPPLIED
MAX_STORAGE_KEYS = 50

NOT_OWNER = "This player is not the owner of the channel"
NOT_MEMBER = "This player is not a member of the channel"


def _prop_filter(validator, request):
    return validator.query(request, "propKey") or None, validator.query(request, "propValue")


# --- loading, in the precedence order ---------------------------------------------------------


def _load_channel(request, channel_id):
    channel = selectors.get_channel(game_id=request.auth.game_id, channel_id=channel_id)
    if channel is None:
        raise NotFound("Channel not found")
    return channel


def _require_owner(channel, alias):
    if channel.owner_id is None or channel.owner_id != alias.id:
        raise ServiceError(NOT_OWNER, status=403)


def _require_member(channel, alias):
    if not selectors.is_member(channel_id=channel.id, alias_id=alias.id):
        raise ServiceError(NOT_MEMBER, status=403)


def _include_dev_data(request):
    return header_flag(request, "x-talo-include-dev-data")


def _rest_channel(request, channel):
    count = selectors.member_count(channel.id, include_dev_data=_include_dev_data(request))
    return serialize_rest_channel(channel, count)


# --- views ------------------------------------------------------------------------------------


class ChannelsView(APIView):
    def get(self, request):
        """6.1: public channels, most messages first, paginated."""
        validator = Validator()
        page = validator.page(request)
        prop_key, prop_value = _prop_filter(validator, request)
        search = validator.query(request, "search") or None
        validator.done()
        require_scopes(request, READ)
        channels = selectors.public_channels(
            game_id=request.auth.game_id,
            search=search,
            prop_key=prop_key,
            prop_value=prop_value,
            include_dev_data=_include_dev_data(request),
        )
        items, count, is_last = paginate(channels, page)
        return Response(
            page_body("channels", [serialize_rest_channel(channel, channel.member_count) for channel in items], count, is_last)
        )

    def post(self, request):
        """6.2: the caller creates and owns the channel and is its first member."""
        body = json_body(request)
        validator = Validator()
        validator.check(lambda: alias_id_header(request))
        name = validator.required(body, "name", "string", is_str, max_length=NAME_LENGTH)
        props = validator.props(body, nullable=False)
        flags = {
            field: validator.optional(body, wire_name, "boolean", is_bool)
            for field, wire_name in (
                ("auto_cleanup", "autoCleanup"), ("private", "private"), ("temporary_membership", "temporaryMembership")
            )
        }
        validator.done()
        require_scopes(request, WRITE)
        alias = load_alias(request, alias_id_header(request))
        channel = services.create_channel(
            game=request.auth.game,
            name=name,
            owner=alias,
            props=[] if props is NOT_SUPPLIED else props,
            **{field: value for field, value in flags.items() if value is not NOT_SUPPLIED},
        )
        return Response({"channel": _rest_channel(request, channel)})


class SubscriptionsView(APIView):
    def get(self, request):
        """6.3: the caller's channels, private ones included, no pagination."""
        validator = Validator()
        validator.check(lambda: alias_id_header(request))
        prop_key, prop_value = _prop_filter(validator, request)
        validator.done()
        require_scopes(request, READ)
        alias = load_alias(request, alias_id_header(request))
        channels = selectors.subscribed_channels(
            alias=alias, prop_key=prop_key, prop_value=prop_value, include_dev_data=_include_dev_data(request)
        )
        return Response({"channels": [serialize_rest_channel(channel, channel.member_count) for channel in channels]})


class ChannelView(APIView):
    def get(self, request, channel_id):
        """6.4: any channel of the game, no alias needed."""
        validator = Validator()
        channel_id = validator.coerced_id("id", channel_id)
        validator.done()
        require_scopes(request, READ)
        channel = _load_channel(request, channel_id)
        return Response({"channel": _rest_channel(request, channel)})

    def put(self, request, channel_id):
        """6.5: owner only; ownership-transferred and/or updated to the members."""
        body = json_body(request)
        validator = Validator()
        channel_id = validator.coerced_id("id", channel_id)
        validator.check(lambda: alias_id_header(request))
        changes = {
            "name": validator.optional(body, "name", "string", is_str, max_length=NAME_LENGTH),
            "props": validator.props(body, nullable=True),
            "owner_alias_id": validator.optional(
                body, "ownerAliasId", "number", lambda value: value is None or is_number(value)
            ),
            "auto_cleanup": validator.optional(body, "autoCleanup", "boolean", is_bool),
            "private": validator.optional(body, "private", "boolean", is_bool),
            "temporary_membership": validator.optional(
                body, "temporaryMembership", "boolean", is_bool
            ),
        }
        validator.done()
        require_scopes(request, WRITE)
        alias = load_alias(request, alias_id_header(request))
        channel = _load_channel(request, channel_id)
        _require_owner(channel, alias)
        if changes["owner_alias_id"] is not None:
            changes["owner_alias_id"] = number_id(changes["owner_alias_id"])
        channel = services.update_channel(channel=channel, **changes)
        return Response({"channel": _rest_channel(request, channel)})

    def delete(self, request, channel_id):
        """6.6: owner only; deleted to the members first."""
        channel, alias = _channel_and_alias(request, channel_id, WRITE)
        _require_owner(channel, alias)
        services.delete_channel(channel=channel)
        return Response(status=204)


def _channel_and_alias(request, channel_id, scope, validate=None):
    """Validate `id`, `x-talo-alias` (and the body/query with `validate`), check the scope, load
    the alias, then the channel. Returns (channel, alias, validated)."""
    validator = Validator()
    channel_id = validator.coerced_id("id", channel_id)
    validator.check(lambda: alias_id_header(request))
    validated = validate(validator) if validate else None
    validator.done()
    require_scopes(request, scope)
    alias = load_alias(request, alias_id_header(request))
    channel = _load_channel(request, channel_id)
    return (channel, alias, validated) if validate else (channel, alias)


class JoinView(APIView):
    def post(self, request, channel_id):
        """6.7: private channels refuse everyone; player-joined only for a new member."""
        channel, alias = _channel_and_alias(request, channel_id, WRITE)
        if channel.private:
            raise ServiceError("This channel is private", status=403)
        services.join_channel(channel=channel, alias=alias)
        return Response({"channel": _rest_channel(request, channel)})


class LeaveView(APIView):
    def post(self, request, channel_id):
        """6.8: a non-member leaving is a no-op."""
        channel, alias = _channel_and_alias(request, channel_id, WRITE)
        services.leave_channel(channel=channel, alias=alias)
        return Response(status=204)


def _invitee_id(validator, request):
    body = json_body(request)
    return number_id(validator.required(body, "inviteeAliasId", "number", is_number))


class InviteView(APIView):
    def post(self, request, channel_id):
        """6.9: owner only; the invitee joins at once."""
        channel, alias, invitee_id = _channel_and_alias(
            request, channel_id, WRITE, lambda validator: _invitee_id(validator, request)
        )
        _require_owner(channel, alias)
        invitee = get_alias(game_id=request.auth.game_id, alias_id=invitee_id)
        if invitee is None:
            raise NotFound("Invitee not found")
        if invitee.id == alias.id:
            raise ServiceError("Players cannot invite themselves")
        services.invite_to_channel(channel=channel, invitee=invitee)
        return Response(status=204)


MEMBER_FILTERS = ("playerId", "aliasId", "identifier", "playerPropKey", "playerPropValue", "playerGroupId")


def _member_filters(validator, request):
    filters = {}
    page = validator.page(request)
    for name in MEMBER_FILTERS:
        value = validator.query(request, name)
        if value is None:
            continue
        if name in ("playerId", "playerGroupId"):
            try:
                value = uuid.UUID(value)
            except ValueError:
                validator.error(name, "Invalid UUID")
                continue
        elif name == "aliasId":
            try:
                value = number_id(int(value))
            except ValueError:
                validator.error(name, NOT_A_NUMBER)
                continue
        filters[name] = value
    return page, filters


class MembersView(APIView):
    def get(self, request, channel_id):
        """6.10: members only; dev-build players hidden unless x-talo-include-dev-data."""
        channel, alias, (page, filters) = _channel_and_alias(
            request, channel_id, READ, lambda validator: _member_filters(validator, request)
        )
        _require_member(channel, alias)
        members = selectors.members(channel=channel, include_dev_data=_include_dev_data(request), filters=filters)
        items, count, is_last = paginate(members, page)
        return Response(page_body("members", [serialize_alias(member) for member in items], count, is_last))


def _prop_key(validator, request):
    if "propKey" not in request.query_params:
        validator.error("propKey", "propKey is missing from the request query")
    return validator.query(request, "propKey")


def _prop_keys(validator, request):
    keys = validator.query_list(request, "propKeys")
    if keys is None:
        return []
    if not keys:
        validator.error("propKeys", "propKeys is missing from the request query")
    elif len(keys) > MAX_STORAGE_KEYS:
        validator.error("propKeys", "Maximum 50 keys allowed per request")
    elif any(not key.strip() for key in keys):
        validator.error("propKeys", "All keys must be non-empty strings")
    return keys


def _storage_props(validator, request):
    return validator.props(json_body(request), nullable=True, always=True)


class StorageView(APIView):
    def get(self, request, channel_id):
        """6.11: one key, flattened for array keys."""
        channel, alias, key = _channel_and_alias(
            request, channel_id, READ, lambda validator: _prop_key(validator, request)
        )
        _require_member(channel, alias)
        rows = selectors.storage_rows(channel_id=channel.id, keys=[key]).get(key, [])
        return Response({"prop": serialize_storage_read(key, rows)})

    def put(self, request, channel_id):
        """6.13: rejections never fail the request; storage.updated always goes out."""
        channel, alias, props = _channel_and_alias(
            request, channel_id, WRITE, lambda validator: _storage_props(validator, request)
        )
        _require_member(channel, alias)
        upserted, deleted, failed = services.put_storage(channel=channel, alias=alias, props=props)
        return Response(
            {
                "channel": serialize_channel(channel),
                "upsertedProps": upserted,
                "deletedProps": deleted,
                "failedProps": failed,
            }
        )


class StorageListView(APIView):
    def get(self, request, channel_id):
        """6.12: in request order, unknown keys skipped, array keys expanded."""
        channel, alias, keys = _channel_and_alias(
            request, channel_id, READ, lambda validator: _prop_keys(validator, request)
        )
        _require_member(channel, alias)
        rows = selectors.storage_rows(channel_id=channel.id, keys=keys)
        props = []
        for key in dict.fromkeys(keys):
            props += serialize_storage_list_items(key, rows.get(key, []))
        return Response({"props": props})


def _history_query(validator, request):
    """docs/extensions.md §X1.4: `after`, `epoch`, `limit`; absent or empty means not given."""
    after = validator.query_integer(request, "after", minimum=0)
    limit = validator.query_integer(request, "limit", minimum=1, maximum=history.MAX_LIMIT)
    return after, request.query_params.get("epoch") or None, limit or history.DEFAULT_LIMIT


class MessagesView(APIView):
    def get(self, request, channel_id):
        """docs/extensions.md §X1.4: the body is `v1.channels.history`'s data, written as JSON text
        by the one function that writes it for the socket."""
        channel, alias, (after, epoch, limit) = _channel_and_alias(
            request, channel_id, READ, lambda validator: _history_query(validator, request)
        )
        _require_member(channel, alias)
        window = history.store().read(channel.id, after=after, epoch=epoch, limit=limit)
        body = history.reply_data(serialize_channel(channel), window, after)
        return HttpResponse(body, content_type="application/json")
