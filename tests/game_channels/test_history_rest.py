"""docs/extensions.md §X1.4: GET /v1/game-channels/:id/messages, the REST mirror of
v1.channels.history — the same data object as the body, rest.md's validation and channel errors."""

import pytest

from tests.game_channels.conftest import World, chat, history

NOT_MEMBER = {"message": "This player is not a member of the channel"}
NOT_FOUND = {"message": "Channel not found"}


def messages(world, cid, alias, key=None, **params):
    headers = {"x-talo-alias": str(alias.alias_id)}
    client = world.client if key is None else world.api.rest(key)
    return client.get(f"/v1/game-channels/{cid}/messages", params=params, headers=headers)


def without_total(body):
    """The body without the channel's `totalMessages`: eventually consistent (docs/socket.md
    §9.2) — the count is written every MESSAGE_COUNT_FLUSH_SECONDS, and a write between the two
    requests would make them differ by it."""
    assert isinstance(body["channel"].pop("totalMessages"), int)
    return body


@pytest.fixture
def five(world):
    return world, *chat(world, 5)


def test_the_body_is_the_socket_reply(five):
    world, owner, cid, sock = five
    for params, fields in (
        ({}, {}),
        ({"limit": "2"}, {"limit": 2}),
        ({"after": "1", "limit": "2"}, {"after": 1, "limit": 2}),
        ({"after": "3", "epoch": "stale"}, {"after": 3, "epoch": "stale"}),
        ({"after": "", "epoch": "", "limit": ""}, {}),  # empty means not given
    ):
        response = messages(world, cid, owner, **params)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        assert without_total(response.json()) == without_total(history(sock, cid, **fields)), params
    body = messages(world, cid, owner, after="1", limit="2").json()
    assert [m["offset"] for m in body["messages"]] == [2, 3]
    assert (body["latestOffset"], body["complete"]) == (5, True)
    rest_channel = world.get(cid)
    assert "memberCount" not in body["channel"]
    assert body["channel"]["id"] == rest_channel["id"]


@pytest.mark.parametrize(
    "params, errors",
    [
        ({"after": "-1"}, {"after": ["Too small: expected number to be >=0"]}),
        ({"after": "1.5"}, {"after": ["Invalid input: expected int, received number"]}),
        ({"after": "abc"}, {"after": ["Invalid input: expected number, received NaN"]}),
        ({"limit": "0"}, {"limit": ["Too small: expected number to be >=1"]}),
        ({"limit": "101"}, {"limit": ["Too big: expected number to be <=100"]}),
        (
            {"after": "x", "limit": "1000"},
            {"after": ["Invalid input: expected number, received NaN"], "limit": ["Too big: expected number to be <=100"]},
        ),
    ],
)
def test_invalid_query(five, params, errors):
    world, owner, cid, _ = five
    response = messages(world, cid, owner, **params)
    assert (response.status_code, response.json()) == (400, {"errors": errors})


def test_statuses(api, five):
    world, owner, cid, _ = five
    assert messages(world, cid, owner, limit="100").status_code == 200
    stranger = world.player()
    assert (messages(world, cid, stranger).status_code, messages(world, cid, stranger).json()) == (403, NOT_MEMBER)
    other = World(api)
    theirs = other.create(other.player())["id"]
    for missing in (theirs, 10**12):
        response = messages(world, missing, owner)
        assert (response.status_code, response.json()) == (404, NOT_FOUND)
    response = messages(world, "abc", owner)
    assert (response.status_code, response.json()) == (400, {"errors": {"id": ["Invalid input: expected number, received NaN"]}})
    writer = api.key(world.game, "write:gameChannels")
    response = messages(world, cid, owner, key=writer)
    assert (response.status_code, response.json()) == (403, {"message": "Missing access key scope(s): read:gameChannels"})
    response = world.client.get(f"/v1/game-channels/{cid}/messages")
    assert (response.status_code, response.json()) == (
        400, {"errors": {"x-talo-alias": ["x-talo-alias is missing from the request headers"]}}
    )
    response = world.client.get(f"/v1/game-channels/{cid}/messages", headers={"x-talo-alias": "999999999"})
    assert (response.status_code, response.json()) == (404, {"message": "Player not found"})
