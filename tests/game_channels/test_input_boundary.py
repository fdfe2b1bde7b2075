"""Issue 12, findings 3 and 5, for game channels: hostile names, props, storage and query values
are answered 400 in Talo's style, never a 5xx, never a changed row, on SQLite and PostgreSQL alike;
no REST call can make a push frame larger than the socket frame limit (docs/rest.md §2.9)."""

import pytest

from game_channels.models import ChannelMembership, ChannelProp, ChannelStorageProp, GameChannel

NUL_OR_SURROGATE = "Invalid input: must not contain NUL characters or lone surrogates"
FRAME_TOO_LARGE = {"message": "This change would make a socket message larger than 65536 bytes"}


def rows():
    return [
        list(model.objects.order_by("pk").values())
        for model in (GameChannel, ChannelProp, ChannelStorageProp, ChannelMembership)
    ]


@pytest.mark.parametrize(
    "body, errors",
    [
        ({"name": "a\x00b"}, {"name": [NUL_OR_SURROGATE]}),
        ({"name": "n" * 256}, {"name": ["Too big: expected string to have <=255 characters"]}),
        ({"name": "ok", "props": [{"key": "k\x00", "value": "v"}]}, {"props.0.key": [NUL_OR_SURROGATE]}),
        ({"name": "ok", "props": [{"key": "k", "value": "\x00"}]}, {"props.0.value": [NUL_OR_SURROGATE]}),
        (
            {"name": "ok", "props": [{"key": "k[]", "value": "v"}] * 1025},
            {"props": ["Too big: expected array to have <=1024 items"]},
        ),
    ],
)
def test_channel_create_refuses_hostile_fields(world, body, errors):
    owner = world.player()
    before = rows()
    response = world.call("POST", "", owner, json=body)
    assert (response.status_code, response.json()) == (400, {"errors": errors})
    assert rows() == before


def test_no_write_makes_a_push_frame_over_the_frame_limit(world):
    owner = world.player()
    big = [{"key": f"k{i}", "value": "x" * 512} for i in range(200)]  # ~110 KB of channel JSON
    before = rows()
    response = world.call("POST", "", owner, json={"name": "big", "props": big})
    assert (response.status_code, response.json()) == (400, FRAME_TOO_LARGE)
    assert rows() == before
    channel_id = world.create(owner)["id"]
    member = world.socket(owner)
    before = rows()
    response = world.call("PUT", f"/{channel_id}", owner, json={"props": big})
    assert (response.status_code, response.json()) == (400, FRAME_TOO_LARGE)
    response = world.call("PUT", f"/{channel_id}/storage", owner, json={"props": big})
    assert (response.status_code, response.json()) == (400, FRAME_TOO_LARGE)
    assert rows() == before
    member.expect_silence()
    # Within the limit both go through.
    assert world.call("PUT", f"/{channel_id}", owner, json={"props": big[:50]}).status_code == 200
    assert world.call("PUT", f"/{channel_id}/storage", owner, json={"props": big[:10]}).status_code == 200


def test_storage_refuses_nul_and_too_many_props(world):
    owner = world.player()
    channel_id = world.create(owner)["id"]
    before = rows()
    for props, errors in (
        ([{"key": "a\x00", "value": "v"}], {"props.0.key": [NUL_OR_SURROGATE]}),
        ([{"key": "a", "value": "v\x00"}], {"props.0.value": [NUL_OR_SURROGATE]}),
        ([{"key": "a", "value": None}] * 1025, {"props": ["Too big: expected array to have <=1024 items"]}),
    ):
        response = world.call("PUT", f"/{channel_id}/storage", owner, json={"props": props})
        assert (response.status_code, response.json()) == (400, {"errors": errors})
    assert rows() == before


@pytest.mark.parametrize(
    "path, params, field",
    [
        ("", {"propKey": "a\x00"}, "propKey"),
        ("", {"propKey": "a", "propValue": "\x00"}, "propValue"),
        ("", {"search": "x\x00"}, "search"),
        ("/subscriptions", {"propKey": "\x00"}, "propKey"),
        ("/{id}/members", {"identifier": "\x00"}, "identifier"),
        ("/{id}/members", {"playerPropKey": "\x00"}, "playerPropKey"),
        ("/{id}/members", {"playerPropValue": "\x00"}, "playerPropValue"),
        ("/{id}/storage", {"propKey": "\x00"}, "propKey"),
        ("/{id}/storage/list", {"propKeys": ["a", "\x00"]}, "propKeys"),
    ],
)
def test_query_values_with_nul_are_400(world, path, params, field):
    owner = world.player()
    channel_id = world.create(owner)["id"]
    response = world.call("GET", path.format(id=channel_id), owner, params=params)
    assert (response.status_code, response.json()) == (400, {"errors": {field: [NUL_OR_SURROGATE]}})


@pytest.mark.parametrize("page", ["1e20", "999999999999999999"])
def test_huge_pages_and_ids_find_nothing(world, page):
    owner = world.player()
    channel_id = world.create(owner)["id"]
    response = world.call("GET", "", params={"page": page})
    assert (response.status_code, response.json()["channels"], response.json()["isLastPage"]) == (200, [], True)
    response = world.call("GET", f"/{channel_id}/members", owner, params={"page": page})
    assert (response.status_code, response.json()["members"], response.json()["count"]) == (200, [], 1)
    response = world.call("GET", f"/{channel_id}/members", owner, params={"aliasId": "9" * 30})
    assert (response.status_code, response.json()["members"]) == (200, [])
    response = world.call("POST", f"/{channel_id}/invite", owner, json={"inviteeAliasId": 2**70})
    assert (response.status_code, response.json()) == (404, {"message": "Invitee not found"})
