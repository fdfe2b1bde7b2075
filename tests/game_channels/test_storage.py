"""docs/testing-scenarios.md K 166–197: channel storage reads and writes."""

import json

import pytest

from game_channels.models import ChannelStorageProp
from tests.game_channels.conftest import World


@pytest.fixture
def setup(world):
    owner = world.player()
    channel = world.create(owner)
    return world, owner, channel["id"]


def put(world, alias, channel_id, *props):
    return world.ok("PUT", f"/{channel_id}/storage", alias, json={"props": [{"key": k, "value": v} for k, v in props]})


def read(world, alias, channel_id, key):
    return world.ok("GET", f"/{channel_id}/storage", alias, params={"propKey": key})["prop"]


def listing(world, alias, channel_id, *keys):
    return world.ok("GET", f"/{channel_id}/storage/list", alias, params=[("propKeys", k) for k in keys])["props"]


def rows(channel_id, key):
    return sorted(ChannelStorageProp.objects.filter(channel_id=channel_id, key=key).values_list("value", flat=True))


def test_k178_k183_k166_set_and_read_scalars(setup):
    world, owner, cid = setup
    body = put(world, owner, cid, ("score", "100"), ("level", "5"))
    assert list(body) == ["channel", "upsertedProps", "deletedProps", "failedProps"]
    assert "memberCount" not in body["channel"]
    assert (len(body["upsertedProps"]), body["deletedProps"], body["failedProps"]) == (2, [], [])
    prop = body["upsertedProps"][0]
    assert list(prop) == ["key", "value", "createdBy", "lastUpdatedBy", "createdAt", "updatedAt"]
    assert (prop["key"], prop["value"], prop["createdBy"]["id"], prop["lastUpdatedBy"]["id"]) == (
        "score", "100", owner.alias_id, owner.alias_id
    )
    assert read(world, owner, cid, "score") == prop


def test_k179_update_keeps_creator(setup):
    world, owner, cid = setup
    member = world.player()
    world.join(cid, member)
    put(world, owner, cid, ("score", "50"))
    body = put(world, member, cid, ("score", "100"))
    prop = body["upsertedProps"][0]
    assert (prop["value"], prop["createdBy"]["id"], prop["lastUpdatedBy"]["id"]) == (
        "100", owner.alias_id, member.alias_id
    )


def test_k180_null_and_empty_delete(setup):
    world, owner, cid = setup
    put(world, owner, cid, ("score", "50"), ("name", "x"))
    body = put(world, owner, cid, ("score", None), ("name", ""), ("never", None))
    assert (body["upsertedProps"], len(body["deletedProps"]), body["failedProps"]) == ([], 2, [])
    assert body["deletedProps"][0]["lastUpdatedBy"]["id"] == owner.alias_id
    assert rows(cid, "score") == [] and read(world, owner, cid, "score") is None


def test_k167_k171_k177_unknown_keys(setup):
    world, owner, cid = setup
    put(world, owner, cid, ("key1", "a"), ("key2", "b"))
    assert read(world, owner, cid, "nope") is None
    assert listing(world, owner, cid, "x", "y") == []
    assert [p["value"] for p in listing(world, owner, cid, "key1", "nope")] == ["a"]
    assert [p["key"] for p in listing(world, owner, cid, "key2", "key1")] == ["key2", "key1"]
    assert len(listing(world, owner, cid, "key2")) == 1


def test_k168_k169_k172_k173_array_reads(setup):
    world, owner, cid = setup
    put(world, owner, cid, ("items[]", "sword"), ("items[]", "shield"), ("score", "42"), ("one[]", "sword"))
    prop = read(world, owner, cid, "items[]")
    assert prop["key"] == "items[]" and sorted(json.loads(prop["value"])) == ["shield", "sword"]
    assert json.loads(read(world, owner, cid, "one[]")["value"]) == ["sword"]
    items = listing(world, owner, cid, "score", "items[]")
    assert [(p["key"], p["value"]) for p in items] == [("score", "42"), ("items[]", "sword"), ("items[]", "shield")]
    assert [p["value"] for p in listing(world, owner, cid, "one[]")] == ["sword"]


@pytest.mark.parametrize(
    "keys,message",
    [
        ([], "propKeys is missing from the request query"),
        ([f"k{i}" for i in range(51)], "Maximum 50 keys allowed per request"),
        (["a", ""], "All keys must be non-empty strings"),
    ],
)
def test_k174_to_k176_list_validation(setup, keys, message):
    world, owner, cid = setup
    response = world.call("GET", f"/{cid}/storage/list", owner, params=[("propKeys", k) for k in keys])
    assert (response.status_code, response.json()) == (400, {"errors": {"propKeys": [message]}})


def test_storage_get_needs_prop_key(setup):
    world, owner, cid = setup
    response = world.call("GET", f"/{cid}/storage", owner)
    assert response.json() == {"errors": {"propKey": ["propKey is missing from the request query"]}}


def test_k181_k192_k193_k194_k197_size_rejections(setup):
    world, owner, cid = setup
    body = put(world, owner, cid, ("k" * 129, "1"))
    assert [p["error"] for p in body["failedProps"]] == ["PROP_KEY_TOO_LONG"]
    body = put(world, owner, cid, ("bio", "v" * 513))
    assert body["failedProps"] == [
        {"key": "bio", "error": "PROP_VALUE_TOO_LONG", "message": "Prop value length (513) exceeds 512 characters"}
    ]
    array_key = "a" * 127 + "[]"
    assert [p["error"] for p in put(world, owner, cid, (array_key, "x"))["failedProps"]] == ["PROP_KEY_TOO_LONG"]
    body = put(world, owner, cid, *[("items[]", str(i)) for i in range(1001)])
    assert body["failedProps"] == [{
        "key": "items[]",
        "error": "PROP_ARRAY_TOO_LONG",
        "message": "Prop array length (1001) for key 'items[]' exceeds 1000 items",
    }]
    body = put(world, owner, cid, ("items[]", "valid"), ("items[]", "v" * 513))
    assert [(p["key"], p["error"]) for p in body["failedProps"]] == [("items[]", "PROP_VALUE_TOO_LONG")]
    assert rows(cid, "items[]") == []
    put(world, owner, cid, ("K", "50"))
    body = put(world, owner, cid, ("K", "v" * 513), ("score", "100"), ("k" * 129, "200"), ("description", "d" * 513))
    assert (len(body["upsertedProps"]), body["deletedProps"]) == (1, [])
    errors = [p["error"] for p in body["failedProps"]]
    assert errors == ["PROP_VALUE_TOO_LONG", "PROP_KEY_TOO_LONG", "PROP_VALUE_TOO_LONG"]
    assert rows(cid, "K") == ["50"]


def test_k182_props_must_be_an_array(setup):
    world, owner, cid = setup
    for body in ({"props": {"a": "b"}}, {}):
        response = world.call("PUT", f"/{cid}/storage", owner, json=body)
        assert (response.status_code, response.json()) == (400, {"errors": {"props": ["Props must be an array"]}})


def test_k185_to_k188_arrays(setup):
    world, owner, cid = setup
    body = put(world, owner, cid, ("items[]", "sword"), ("items[]", "sword"), ("items[]", "shield"))
    assert len(body["upsertedProps"]) == 2 and rows(cid, "items[]") == ["shield", "sword"]
    body = put(world, owner, cid, ("items[]", "sword"), ("items[]", "shield"), ("items[]", "potion"))
    assert (len(body["upsertedProps"]), len(body["deletedProps"])) == (3, 0)
    assert sorted(json.loads(read(world, owner, cid, "items[]")["value"])) == ["potion", "shield", "sword"]
    body = put(world, owner, cid, ("items[]", "sword"), ("items[]", "shield"))
    assert sorted(p["value"] for p in body["upsertedProps"]) == ["shield", "sword"]
    assert [p["value"] for p in body["deletedProps"]] == ["potion"]
    body = put(world, owner, cid, ("items[]", "bow"), ("items[]", "arrow"))
    assert (len(body["upsertedProps"]), len(body["deletedProps"])) == (2, 2)
    assert rows(cid, "items[]") == ["arrow", "bow"]


def test_k189_k190_array_keeps_original_creator(setup):
    world, owner, cid = setup
    caller = world.player()
    world.join(cid, caller)
    first = put(world, owner, cid, ("items[]", "sword"))["upsertedProps"][0]
    body = put(world, caller, cid, ("items[]", "sword"), ("items[]", "shield"))
    assert (len(body["upsertedProps"]), body["deletedProps"]) == (2, [])
    by_value = {p["value"]: p for p in body["upsertedProps"]}
    assert by_value["sword"]["createdBy"]["id"] == owner.alias_id
    assert by_value["sword"]["createdAt"] == first["createdAt"]
    assert by_value["sword"]["lastUpdatedBy"]["id"] == caller.alias_id
    assert by_value["shield"]["createdBy"]["id"] == owner.alias_id
    assert by_value["shield"]["lastUpdatedBy"]["id"] == caller.alias_id


def test_k191_null_array_deletes_all(setup):
    world, owner, cid = setup
    put(world, owner, cid, ("items[]", "sword"), ("items[]", "shield"))
    body = put(world, owner, cid, ("items[]", None))
    assert (body["upsertedProps"], len(body["deletedProps"])) == ([], 2)
    assert rows(cid, "items[]") == [] and read(world, owner, cid, "items[]") is None


def test_k195_empty_props(setup):
    world, owner, cid = setup
    body = put(world, owner, cid)
    assert (body["upsertedProps"], body["deletedProps"], body["failedProps"]) == ([], [], [])


def test_k196_profanity(api):
    strict = World(api, block_props_profanity=True)
    owner = strict.player()
    cid = strict.create(owner)["id"]
    body = put(strict, owner, cid, ("nickname", "fuck"), ("level", "5"), ("tags[]", "ok"), ("tags[]", "shit"))
    assert [p["key"] for p in body["upsertedProps"]] == ["level"]
    assert body["failedProps"] == [
        {"key": "nickname", "error": "PROP_CONTAINS_PROFANITY", "message": "Prop value contains profanity"},
        {"key": "tags[]", "error": "PROP_CONTAINS_PROFANITY", "message": "Prop value contains profanity"},
    ]
    lax = World(api)
    owner = lax.player()
    cid = lax.create(owner)["id"]
    body = put(lax, owner, cid, ("nickname", "fuck"), ("level", "5"))
    assert (len(body["upsertedProps"]), body["failedProps"]) == (2, [])
