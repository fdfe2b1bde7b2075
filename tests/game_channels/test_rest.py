"""docs/testing-scenarios.md K (106–165): the channel endpoints' bodies, errors and their precedence."""

import pytest

from game_channels.models import ChannelMembership, GameChannel
from players.services.identity import create_player_with_alias
from players.models import Player, PlayerProp
from tests.game_channels.conftest import World

NOT_OWNER = {"message": "This player is not the owner of the channel"}
NOT_MEMBER = {"message": "This player is not a member of the channel"}
CHANNEL_NOT_FOUND = {"message": "Channel not found"}
PLAYER_NOT_FOUND = {"message": "Player not found"}
NAN = {"errors": {"id": ["Invalid input: expected number, received NaN"]}}

ENDPOINTS = [  # (method, path with {id}, needs alias, scope)
    ("GET", "", False, "read:gameChannels"),
    ("POST", "", True, "write:gameChannels"),
    ("GET", "/subscriptions", True, "read:gameChannels"),
    ("GET", "/{id}", False, "read:gameChannels"),
    ("PUT", "/{id}", True, "write:gameChannels"),
    ("DELETE", "/{id}", True, "write:gameChannels"),
    ("POST", "/{id}/join", True, "write:gameChannels"),
    ("POST", "/{id}/leave", True, "write:gameChannels"),
    ("POST", "/{id}/invite", True, "write:gameChannels"),
    ("GET", "/{id}/members", True, "read:gameChannels"),
    ("GET", "/{id}/storage", True, "read:gameChannels"),
    ("GET", "/{id}/storage/list", True, "read:gameChannels"),
    ("PUT", "/{id}/storage", True, "write:gameChannels"),
]
VALID_BODY = {
    ("POST", ""): {"name": "x"},
    ("POST", "/{id}/invite"): {"inviteeAliasId": 1},
    ("PUT", "/{id}/storage"): {"props": []},
}
VALID_QUERY = {"/{id}/storage": {"propKey": "k"}, "/{id}/storage/list": {"propKeys": "k"}}


def request(world, method, path, channel_id, alias=None, key=None, **kwargs):
    client = world.client if key is None else world.api.rest(key)
    headers = {"x-talo-alias": str(alias)} if alias is not None else {}
    kwargs.setdefault("json", VALID_BODY.get((method, path)))
    kwargs.setdefault("params", VALID_QUERY.get(path) if method == "GET" else None)
    return client.request(method, "/v1/game-channels" + path.format(id=channel_id), headers=headers, **kwargs)


@pytest.mark.parametrize("method,path,needs_alias,scope", ENDPOINTS)
def test_k106_to_k108_error_precedence(world, method, path, needs_alias, scope):
    owner = world.player()
    channel = world.create(owner)
    bare = world.api.key(world.game)
    # 106: no scope → 403 (after validation, before the alias).
    response = request(world, method, path, channel["id"], alias=999999, key=bare)
    assert (response.status_code, response.json()) == (403, {"message": f"Missing access key scope(s): {scope}"})
    if needs_alias:
        # A missing header is a 400 even without the scope.
        response = request(world, method, path, channel["id"], key=bare)
        assert response.status_code == 400
        assert response.json()["errors"]["x-talo-alias"] == ["x-talo-alias is missing from the request headers"]
        response = request(world, method, path, channel["id"], alias="12a")
        assert response.json()["errors"]["x-talo-alias"] == ["x-talo-alias header must be a numeric string"]
        # 107: unknown alias before an unknown channel.
        for alias in (324, 32144, 999999):
            response = request(world, method, path, 999999, alias=alias)
            assert (response.status_code, response.json()) == (404, PLAYER_NOT_FOUND)
    if "{id}" in path:
        # 108: unknown channel, and another game's channel is the same.
        other = World(world.api)
        foreign = other.create(other.player())
        for channel_id in (999999, 54252, foreign["id"]):
            response = request(world, method, path, channel_id, alias=owner.alias_id)
            assert (response.status_code, response.json()) == (404, CHANNEL_NOT_FOUND)
        # 132: a non-numeric id is a validation error.
        response = request(world, method, path, "abc", alias=owner.alias_id)
        assert (response.status_code, response.json()) == (400, NAN)


@pytest.mark.parametrize("method,path", [("PUT", "/{id}"), ("DELETE", "/{id}"), ("POST", "/{id}/invite")])
def test_k109_owner_only(world, method, path):
    owner, member = world.player(), world.player()
    channel = world.create(owner)
    world.join(channel["id"], member)
    body = {"inviteeAliasId": owner.alias_id}
    response = request(world, method, path, channel["id"], alias=member.alias_id, json=body)
    assert (response.status_code, response.json()) == (403, NOT_OWNER)
    world.ok("POST", f"/{channel['id']}/leave", owner, status=204)  # now without an owner
    body = {"inviteeAliasId": member.alias_id}
    response = request(world, method, path, channel["id"], alias=owner.alias_id, json=body)
    assert (response.status_code, response.json()) == (403, NOT_OWNER)


@pytest.mark.parametrize(
    "method,path",
    [("GET", "/{id}/members"), ("GET", "/{id}/storage"), ("GET", "/{id}/storage/list"), ("PUT", "/{id}/storage")],
)
def test_k110_member_only(world, method, path):
    channel = world.create(world.player())
    response = request(world, method, path, channel["id"], alias=world.player().alias_id)
    assert (response.status_code, response.json()) == (403, NOT_MEMBER)


def test_k111_get_and_trailing_slash(world):
    channel = world.create(world.player(), "Guild chat")
    for path in (f"/{channel['id']}", f"/{channel['id']}/"):
        body = world.ok("GET", path)
        assert body == {"channel": channel}


def test_k112_k113_list_order_privacy_and_pagination(world):
    owner = world.player()
    created = [world.create(owner, f"chat {i}") for i in range(10)]
    world.create(owner, "secret", private=True)
    GameChannel.objects.filter(id=created[5]["id"]).update(total_messages=3)
    body = world.ok("GET", "", params={"page": 0})
    ids = [channel["id"] for channel in body["channels"]]
    assert ids == [created[5]["id"]] + [c["id"] for i, c in enumerate(created) if i != 5]
    assert (body["count"], body["itemsPerPage"], body["isLastPage"]) == (10, 50, True)
    assert body["channels"][1]["memberCount"] == 1
    assert world.ok("GET", "", params={"page": 1})["channels"] == []
    assert [c["name"] for c in world.ok("GET", "", params={"search": "chat 3"})["channels"]] == ["chat 3"]
    for page, message in (
        ("x", "Invalid input: expected number, received NaN"), ("-1", "Too small: expected number to be >=0")
    ):
        response = world.call("GET", "", params={"page": page})
        assert (response.status_code, response.json()) == (400, {"errors": {"page": [message]}})


def test_list_prop_filters_and_owner_search(world):
    owner = world.player("captain")
    guild = world.create(owner, "a", props=[{"key": "guildId", "value": "15"}])
    world.create(owner, "b", props=[{"key": "guildId", "value": "17"}])
    world.create(owner, "c")
    assert len(world.ok("GET", "", params={"propKey": "guildId"})["channels"]) == 2
    body = world.ok("GET", "", params={"propKey": "guildId", "propValue": "15"})
    assert [c["id"] for c in body["channels"]] == [guild["id"]]
    assert len(world.ok("GET", "", params={"search": "capt"})["channels"]) == 3


def test_k114_to_k116_subscriptions(world):
    me, other = world.player(), world.player()
    mine = world.create(me, "mine", private=True)
    guild15 = world.create(other, "g15", props=[{"key": "guildId", "value": "15"}])
    guild17 = world.create(other, "g17", props=[{"key": "guildId", "value": "17"}])
    for _ in range(3):
        world.create(other)
    assert [c["id"] for c in world.ok("GET", "/subscriptions", me)["channels"]] == [mine["id"]]
    world.join(guild15["id"], me)
    world.join(guild17["id"], me)
    body = world.ok("GET", "/subscriptions", me, params={"propKey": "guildId"})
    assert [c["id"] for c in body["channels"]] == [guild15["id"], guild17["id"]]
    assert body["channels"][0]["memberCount"] == 2
    body = world.ok("GET", "/subscriptions", me, params={"propKey": "guildId", "propValue": "15"})
    assert [c["id"] for c in body["channels"]] == [guild15["id"]]
    assert list(body) == ["channels"]


def test_k118_create_defaults(world):
    owner = world.player()
    channel = world.create(owner, "Guild chat")
    assert list(channel) == [
        "id", "name", "owner", "totalMessages", "props", "autoCleanup", "private", "temporaryMembership",
        "createdAt", "updatedAt", "memberCount",
    ]
    assert (channel["name"], channel["owner"]["id"], channel["totalMessages"], channel["props"]) == (
        "Guild chat", owner.alias_id, 0, []
    )
    assert (channel["memberCount"], channel["autoCleanup"], channel["private"], channel["temporaryMembership"]) == (
        1, False, False, False
    )
    assert channel["createdAt"].endswith("Z") and len(channel["createdAt"]) == 24


def test_k119_k122_k123_create_options(world):
    owner = world.player()
    channel = world.create(
        owner, props=[{"key": "guildId", "value": "213432"}], private=True, temporaryMembership=True, autoCleanup=True
    )
    assert channel["props"] == [{"key": "guildId", "value": "213432"}]
    assert (channel["private"], channel["temporaryMembership"], channel["autoCleanup"]) == (True, True, True)


def rejected(*items):
    return {"errors": {"props": ["One or more props are invalid, see rejectedProps"]}, "rejectedProps": list(items)}


def test_k120_k121_create_prop_limits(world):
    owner = world.player()
    key = "k" * 129
    response = world.call("POST", "", owner, json={"name": "x", "props": [{"key": key, "value": "1"}]})
    assert (response.status_code, response.json()) == (400, rejected(
        {"key": key, "error": "PROP_KEY_TOO_LONG", "message": "Prop key length (129) exceeds 128 characters"}
    ))
    response = world.call("POST", "", owner, json={"name": "x", "props": [{"key": "bio", "value": "v" * 513}]})
    assert (response.status_code, response.json()) == (400, rejected(
        {"key": "bio", "error": "PROP_VALUE_TOO_LONG", "message": "Prop value length (513) exceeds 512 characters"}
    ))
    assert not GameChannel.objects.filter(game=world.game).exists()


def test_k124_to_k126_create_profanity(api):
    strict = World(api, block_props_profanity=True)
    owner = strict.player()
    ok = strict.create(owner, props=[{"key": "guildId", "value": "1234"}, {"key": "level", "value": "5"}])
    assert len(ok["props"]) == 2
    response = strict.call(
        "POST", "", owner,
        json={"name": "x", "props": [{"key": "guildId", "value": "fuck"}, {"key": "level", "value": "5"}]},
    )
    assert (response.status_code, response.json()) == (400, rejected(
        {"key": "guildId", "error": "PROP_CONTAINS_PROFANITY", "message": "Prop value contains profanity"}
    ))
    lax = World(api)
    assert lax.create(lax.player(), props=[{"key": "guildId", "value": "fuck"}])["props"][0]["value"] == "fuck"


def test_create_validation(world):
    owner = world.player()
    response = world.call("POST", "", owner, json={"props": {"a": 1}, "private": "yes"})
    assert (response.status_code, response.json()) == (400, {"errors": {
        "name": ["Invalid input: expected string, received undefined"],
        "props": ["Props must be an array"],
        "private": ["Invalid input: expected boolean, received string"],
    }})


def test_k127_k128_k130_join(world):
    owner, joiner = world.player(), world.player()
    channel = world.create(owner)
    world.ok("POST", f"/{channel['id']}/leave", owner, status=204)
    body = world.join(channel["id"], joiner)
    assert (body["channel"]["id"], body["channel"]["memberCount"]) == (channel["id"], 1)
    assert world.join(channel["id"], joiner)["channel"]["memberCount"] == 1
    private = world.create(owner, private=True)
    for player in (joiner, owner):  # even a current member
        response = world.call("POST", f"/{private['id']}/join", player)
        assert (response.status_code, response.json()) == (403, {"message": "This channel is private"})


def test_k141_delete(world):
    owner = world.player()
    channel = world.create(owner)
    world.ok("PUT", f"/{channel['id']}/storage", owner, json={"props": [{"key": "a", "value": "1"}]})
    world.ok("DELETE", f"/{channel['id']}", owner, status=204)
    assert world.call("GET", f"/{channel['id']}").status_code == 404


def test_k144_to_k147_invite(world):
    owner, invitee = world.player(), world.player()
    channel = world.create(owner)
    world.ok("POST", f"/{channel['id']}/invite", owner, status=204, json={"inviteeAliasId": invitee.alias_id})
    assert world.get(channel["id"])["memberCount"] == 2
    response = world.call("POST", f"/{channel['id']}/invite", owner, json={"inviteeAliasId": 99999})
    assert (response.status_code, response.json()) == (404, {"message": "Invitee not found"})
    foreign = World(world.api).player()
    response = world.call("POST", f"/{channel['id']}/invite", owner, json={"inviteeAliasId": foreign.alias_id})
    assert (response.status_code, response.json()) == (404, {"message": "Invitee not found"})
    response = world.call("POST", f"/{channel['id']}/invite", owner, json={"inviteeAliasId": owner.alias_id})
    assert (response.status_code, response.json()) == (400, {"message": "Players cannot invite themselves"})
    response = world.call("POST", f"/{channel['id']}/invite", owner, json={})
    assert response.json() == {"errors": {"inviteeAliasId": ["Invalid input: expected number, received undefined"]}}


def test_k149_to_k154_update(world):
    owner, member = world.player(), world.player()
    channel = world.create(owner, props=[{"key": "guildId", "value": "1234"}, {"key": "deleteMe", "value": "yes"}])
    world.join(channel["id"], member)
    path = f"/{channel['id']}"
    assert world.ok("PUT", path, owner, json={"name": "A very interesting chat"})["channel"]["name"] == (
        "A very interesting chat"
    )
    assert world.ok("PUT", path, owner, json={"name": "   "})["channel"]["name"] == "A very interesting chat"
    props = [{"key": "guildId", "value": "4321"}, {"key": "deleteMe", "value": None}]
    body = world.ok("PUT", path, owner, json={"props": props})
    assert body["channel"]["props"] == [{"key": "guildId", "value": "4321"}]
    response = world.call("PUT", path, owner, json={"props": {"guildId": "1"}})
    assert (response.status_code, response.json()) == (400, {"errors": {"props": ["Props must be an array"]}})
    response = world.call("PUT", path, owner, json={"name": "lost", "ownerAliasId": 3123124})
    assert (response.status_code, response.json()) == (404, {"message": "New owner not found"})
    assert world.get(channel["id"])["name"] == "A very interesting chat"
    body = world.ok("PUT", path, owner, json={"ownerAliasId": member.alias_id})
    assert body["channel"]["owner"]["id"] == member.alias_id
    assert world.ok("PUT", path, member, json={"ownerAliasId": None})["channel"]["owner"] is None


def test_update_array_props_replace_and_limits(world):
    owner = world.player()
    props = [{"key": "tags[]", "value": "a"}, {"key": "tags[]", "value": "b"}, {"key": "x", "value": "1"}]
    channel = world.create(owner, props=props)
    path = f"/{channel['id']}"
    body = world.ok("PUT", path, owner, json={"props": [{"key": "tags[]", "value": "c"}]})
    assert body["channel"]["props"] == [{"key": "x", "value": "1"}, {"key": "tags[]", "value": "c"}]
    key = "k" * 129
    props = [{"key": key, "value": "1"}, {"key": "bio", "value": "v" * 513}]
    response = world.call("PUT", path, owner, json={"props": props})
    assert response.json() == rejected(
        {"key": key, "error": "PROP_KEY_TOO_LONG", "message": "Prop key length (129) exceeds 128 characters"},
        {"key": "bio", "error": "PROP_VALUE_TOO_LONG", "message": "Prop value length (513) exceeds 512 characters"},
    )


def test_k158_update_profanity(api):
    strict = World(api, block_props_profanity=True)
    owner = strict.player()
    channel = strict.create(owner, props=[{"key": "guildId", "value": "1234"}])
    path = f"/{channel['id']}"
    props = [{"key": "guildId", "value": "5678"}, {"key": "level", "value": "5"}]
    body = strict.ok("PUT", path, owner, json={"props": props})
    assert body["channel"]["props"] == [{"key": "guildId", "value": "5678"}, {"key": "level", "value": "5"}]
    response = strict.call("PUT", path, owner, json={"props": [{"key": "guildId", "value": "fuck"}]})
    assert response.json() == rejected(
        {"key": "guildId", "error": "PROP_CONTAINS_PROFANITY", "message": "Prop value contains profanity"}
    )


def test_k160_to_k165_members(world):
    owner = world.player("owner")
    channel = world.create(owner)
    path = f"/{channel['id']}/members"
    body = world.ok("GET", path, owner, params={"page": 0})
    assert [m["id"] for m in body["members"]] == [owner.alias_id]
    assert (body["count"], body["itemsPerPage"], body["isLastPage"]) == (1, 50, True)
    dev = world.player("dev", **{"x-talo-dev-build": "1"})
    world.join(channel["id"], dev)
    assert [m["id"] for m in world.ok("GET", path, owner)["members"]] == [owner.alias_id]
    body = world.ok("GET", path, dev, headers={"x-talo-include-dev-data": "1"})
    assert [m["id"] for m in body["members"]] == [owner.alias_id, dev.alias_id]
    player = Player.objects.get(aliases__id=owner.alias_id)
    PlayerProp.objects.create(player=player, key="rank", value="gold")
    for params in (
        {"aliasId": owner.alias_id}, {"identifier": "owner"}, {"playerId": str(player.id)},
        {"playerPropKey": "rank"}, {"playerPropKey": "rank", "playerPropValue": "gold"},
    ):
        body = world.ok("GET", path, owner, params=params)
        assert ([m["id"] for m in body["members"]], body["count"], body["isLastPage"]) == ([owner.alias_id], 1, True)
    assert world.ok("GET", path, owner, params={"playerPropKey": "rank", "playerPropValue": "iron"})["count"] == 0


def test_k163_members_pagination(world):
    owner = world.player()
    channel = world.create(owner)
    aliases = [
        create_player_with_alias(
            game=world.game, service="username", identifier=f"m{i}", dev_build=False
        )
        for i in range(100)
    ]
    ChannelMembership.objects.bulk_create(ChannelMembership(channel_id=channel["id"], alias=a) for a in aliases)
    body = world.ok("GET", f"/{channel['id']}/members", owner, params={"page": 1})
    assert (len(body["members"]), body["count"], body["isLastPage"]) == (50, 101, False)
    body = world.ok("GET", f"/{channel['id']}/members", owner, params={"page": 2})
    assert (len(body["members"]), body["isLastPage"]) == (1, True)


def test_k117_list_shows_changes_at_once(world):
    owner = world.player()
    assert world.ok("GET", "")["count"] == 0
    channel = world.create(owner)
    assert world.ok("GET", "")["count"] == 1
    world.ok("PUT", f"/{channel['id']}", owner, json={"props": [{"key": "guildId", "value": "1"}]})
    assert world.ok("GET", "", params={"propKey": "guildId"})["count"] == 1
    world.ok("DELETE", f"/{channel['id']}", owner, status=204)
    assert world.ok("GET", "")["count"] == 0


def test_unknown_member_filters_and_group_filter(world):
    owner = world.player()
    channel = world.create(owner)
    path = f"/{channel['id']}/members"
    response = world.call("GET", path, owner, params={"playerId": "nope"})
    assert (response.status_code, response.json()) == (400, {"errors": {"playerId": ["Invalid UUID"]}})
    # An unknown group has no members.
    body = world.ok("GET", path, owner, params={"playerGroupId": "5b1c5b4e-9d4b-4a5e-8d8e-1c2f3a4b5c6d"})
    assert (body["members"], body["count"]) == ([], 0)
    # A group's members are found through it (scenario 165, playerGroupId).
    from players.models import PlayerAlias, PlayerGroup

    grouped = world.player()
    world.join(channel["id"], grouped)
    group = PlayerGroup.objects.create(game=world.game, name="vip")
    group.members.add(PlayerAlias.objects.get(id=grouped.alias_id).player)
    body = world.ok("GET", path, owner, params={"playerGroupId": str(group.id)})
    assert ([m["id"] for m in body["members"]], body["count"], body["isLastPage"]) == ([grouped.alias_id], 1, True)
