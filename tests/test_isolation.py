"""docs/differences.md row 4, as a matrix (issue 5): for every endpoint and socket request that takes an
id, another game's id gets exactly the answer of an id that does not exist — and asking never
changes the other game."""

import uuid

import pytest

from game_channels.models import ChannelMembership, GameChannel
from players.models import PlayerAlias, PlayerAliasSubscription, PlayerPresence

MISSING = {"alias": 999_999_999, "player": str(uuid.UUID(int=1)), "channel": 999_999_999, "sub": 999_999_999}

# (method, path, headers, body, query): "{x}" is the id under test; "{mine}" / "{mine2}" are
# aliases and "{my_channel}" a channel (owned by {mine}) of the caller's own game.
REST = [
    ("GET", "/v1/players/{player}", {}, None, None),
    ("POST", "/v1/players/socket-token", {"x-talo-alias": "{alias}"}, None, None),
    ("GET", "/v1/players/presence/{player}", {}, None, None),
    ("PUT", "/v1/players/presence", {"x-talo-alias": "{alias}"}, {"online": True}, None),
    ("GET", "/v1/game-channels/{channel}", {}, None, None),
    ("PUT", "/v1/game-channels/{channel}", {"x-talo-alias": "{mine}"}, {"name": "taken"}, None),
    ("DELETE", "/v1/game-channels/{channel}", {"x-talo-alias": "{mine}"}, None, None),
    ("POST", "/v1/game-channels/{channel}/join", {"x-talo-alias": "{mine}"}, None, None),
    ("POST", "/v1/game-channels/{channel}/leave", {"x-talo-alias": "{mine}"}, None, None),
    ("POST", "/v1/game-channels/{channel}/invite", {"x-talo-alias": "{mine}"}, {"inviteeAliasId": "{mine2}"}, None),
    ("GET", "/v1/game-channels/{channel}/members", {"x-talo-alias": "{mine}"}, None, None),
    ("GET", "/v1/game-channels/{channel}/storage", {"x-talo-alias": "{mine}"}, None, {"propKey": "k"}),
    ("GET", "/v1/game-channels/{channel}/storage/list", {"x-talo-alias": "{mine}"}, None, {"propKeys": "k"}),
    ("PUT", "/v1/game-channels/{channel}/storage", {"x-talo-alias": "{mine}"}, {"props": [{"key": "k", "value": "v"}]}, None),
    ("POST", "/v1/game-channels/{my_channel}/invite", {"x-talo-alias": "{mine}"}, {"inviteeAliasId": "{alias}"}, None),
    ("PUT", "/v1/game-channels/{my_channel}", {"x-talo-alias": "{mine}"}, {"ownerAliasId": "{alias}"}, None),
    ("GET", "/v1/game-channels/{my_channel}/members", {"x-talo-alias": "{mine}"}, None, {"aliasId": "{alias}"}),
    ("GET", "/v1/game-channels/{my_channel}/members", {"x-talo-alias": "{mine}"}, None, {"playerId": "{player}"}),
    ("POST", "/v1/game-channels", {"x-talo-alias": "{alias}"}, {"name": "new"}, None),
    ("GET", "/v1/game-channels/subscriptions", {"x-talo-alias": "{alias}"}, None, None),
    ("POST", "/v1/players/relationships", {"x-talo-alias": "{mine}"}, {"aliasId": "{alias}", "relationshipType": "unidirectional"}, None),
    ("POST", "/v1/players/relationships", {"x-talo-alias": "{alias}"}, {"aliasId": "{mine}", "relationshipType": "unidirectional"}, None),
    ("PUT", "/v1/players/relationships/{sub}/confirm", {"x-talo-alias": "{mine}"}, None, None),
    ("DELETE", "/v1/players/relationships/{sub}", {"x-talo-alias": "{mine}"}, None, None),
    ("GET", "/v1/players/relationships/subscribers", {"x-talo-alias": "{alias}"}, None, None),
    ("GET", "/v1/players/relationships/subscriptions", {"x-talo-alias": "{mine}"}, None, {"aliasId": "{alias}"}),
]


def fill(body, ids):
    """A JSON body with each "{name}" value replaced by that id (as a number or a string)."""
    return {key: ids[value[1:-1]] if isinstance(value, str) and value.startswith("{") else value
            for key, value in body.items()}


@pytest.fixture
def worlds(api):
    mine = api.game()
    theirs = api.game()
    my_a, _ = api.player(mine)
    my_b, _ = api.player(mine)
    their_a, their_token = api.player(theirs)
    their_b, _ = api.player(theirs)
    admin = api.rest(api.key(theirs, "*"))
    their_channel = admin.post("/v1/game-channels", json={"name": "theirs"}, headers={"x-talo-alias": str(their_a)}).json()["channel"]["id"]
    sub = admin.post(
        "/v1/players/relationships",
        json={"aliasId": their_b, "relationshipType": "bidirectional"},
        headers={"x-talo-alias": str(their_a)},
    ).json()["subscription"]["id"]
    client = api.rest(api.key(mine, "*"))
    my_channel = client.post("/v1/game-channels", json={"name": "mine"}, headers={"x-talo-alias": str(my_a)}).json()["channel"]["id"]
    their_player = str(PlayerAlias.objects.get(id=their_a).player_id)
    return {
        "client": client,
        "mine_ids": {"mine": my_a, "mine2": my_b, "my_channel": my_channel},
        "theirs": {"alias": their_a, "player": their_player, "channel": their_channel, "sub": sub},
        "their_token": their_token,
        "my_key": api.key(mine, "*"),
        "their_game": theirs,
    }


def their_state(game):
    return (
        list(GameChannel.objects.filter(game=game).values()),
        list(ChannelMembership.objects.filter(channel__game=game).values("channel_id", "alias_id")),
        list(PlayerAliasSubscription.objects.filter(subscriber__game=game).values()),
        list(PlayerPresence.objects.filter(player__game=game).values()),
    )


def answer(client, request, ids):
    method, path, headers, body, query = request
    values = {key: str(value) for key, value in ids.items()}
    response = client.request(
        method,
        path.format(**values),
        headers={k: v.format(**values) for k, v in headers.items()},
        json=fill(body, ids) if body is not None else None,
        params={k: v.format(**values) for k, v in (query or {}).items()},
    )
    return response.status_code, (response.json() if response.content else None)


@pytest.mark.parametrize("request_", REST, ids=[f"{r[0]} {r[1]} {sorted(r[2])} {r[4] or ''}" for r in REST])
def test_rest_other_games_ids_are_unknown_ids(worlds, request_):
    client, mine = worlds["client"], worlds["mine_ids"]
    before = their_state(worlds["their_game"])
    missing = answer(client, request_, {**mine, **MISSING})
    other = answer(client, request_, {**mine, **worlds["theirs"]})
    assert other == missing
    assert their_state(worlds["their_game"]) == before


def test_socket_other_games_ids_are_unknown_ids(api, worlds):
    mine = worlds["mine_ids"]
    alias_id = mine["mine"]
    my_token = api.rest(api.key(PlayerAlias.objects.get(id=alias_id).game, "*")).post(
        "/v1/players/socket-token", headers={"x-talo-alias": str(alias_id)}
    ).json()["socketToken"]
    sock = api.identified(worlds["my_key"], alias_id, my_token)
    sock.drain()
    replies = []
    for channel_id in (MISSING["channel"], worlds["theirs"]["channel"]):
        replies.append(sock.request("v1.channels.message", {"channel": {"id": channel_id}, "message": "probe"}))
    assert replies[0] == replies[1]
    assert replies[0]["data"]["cause"] == "Channel not found"
    replies = []
    for other_alias in (MISSING["alias"], worlds["theirs"]["alias"]):
        replies.append(sock.request("v1.players.identify", {"playerAliasId": other_alias, "socketToken": "guess"}))
    assert replies[0] == replies[1] and replies[0]["data"]["errorCode"] == "INVALID_SOCKET_TOKEN"
