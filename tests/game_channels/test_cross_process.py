"""docs/differences.md row 8: two server processes on one Redis form one socket service. A member on
one process hears a member on the other; membership changes made through one process change
what the other process's connections receive."""

import pytest

from tests.game_channels.conftest import silent
from tests.support import error

pytestmark = pytest.mark.redis

MESSAGE = "v1.channels.message"
LISTENER = ("LISTENER_ERROR", MESSAGE, "An error occurred while processing the message")


def send(sock, channel_id, text):
    sock.send({"req": MESSAGE, "data": {"channel": {"id": channel_id}, "message": text}})


def test_message_sent_on_one_process_reaches_members_on_the_other(world, second_api):
    a_player, b_player = world.player(), world.player()
    channel = world.create(a_player)
    world.join(channel["id"], b_player)
    bystanders = world.bystanders(channel["id"])
    on_a, on_b = world.socket(a_player), world.socket(b_player, api=second_api)
    outsider_on_b = world.socket(world.player(), api=second_api)
    send(on_b, channel["id"], "from B")
    assert on_a.expect(MESSAGE)["message"] == "from B"
    assert on_b.expect(MESSAGE)["playerAlias"]["id"] == b_player.alias_id
    send(on_a, channel["id"], "from A")
    assert on_b.expect(MESSAGE)["message"] == "from A"
    assert on_a.expect(MESSAGE)["message"] == "from A"
    silent(on_a, on_b, outsider_on_b, *bystanders)


def test_join_leave_delete_through_one_process_change_the_other(world, second_api):
    owner, member = world.player(), world.player()
    channel = world.create(owner, "before")
    cid = channel["id"]
    owner_on_b = world.socket(owner, api=second_api)
    member_on_b = world.socket(member, api=second_api)
    member_on_a = world.socket(member)
    # Join through A (REST on the main process): B's connection joins the group at once.
    world.join(cid, member)
    for sock in (owner_on_b, member_on_b, member_on_a):
        assert sock.expect("v1.channels.player-joined")["playerAlias"]["id"] == member.alias_id
    send(owner_on_b, cid, "welcome")
    for sock in (owner_on_b, member_on_b, member_on_a):
        assert sock.expect(MESSAGE)["message"] == "welcome"
    # An update through A invalidates B's cached channel JSON.
    world.ok("PUT", f"/{cid}", owner, json={"name": "after"})
    for sock in (owner_on_b, member_on_b, member_on_a):
        assert sock.expect("v1.channels.updated")["changedProperties"] == ["name"]
    send(member_on_b, cid, "renamed?")
    for sock in (owner_on_b, member_on_b, member_on_a):
        assert sock.expect(MESSAGE)["channel"]["name"] == "after"
    # Leave through A: B's connection stops hearing the channel.
    world.ok("POST", f"/{cid}/leave", member, status=204)
    for sock in (owner_on_b, member_on_b, member_on_a):
        assert sock.expect("v1.channels.player-left")["meta"] == {"reason": 0}
    send(owner_on_b, cid, "members only")
    assert owner_on_b.expect(MESSAGE)["message"] == "members only"
    send(member_on_b, cid, "still here?")
    assert member_on_b.recv() == error(*LISTENER, "Player not in channel")
    silent(member_on_b, member_on_a)
    # Delete through A: deleted on B, then the channel is gone there too.
    world.ok("DELETE", f"/{cid}", owner, status=204)
    assert owner_on_b.expect("v1.channels.deleted")["channel"]["id"] == cid
    send(owner_on_b, cid, "anyone?")
    assert owner_on_b.recv() == error(*LISTENER, "Channel not found")
    silent(owner_on_b, member_on_b, member_on_a)


def test_storage_and_ownership_messages_cross_processes(world, second_api):
    owner, heir = world.player(), world.player()
    channel = world.create(owner)
    cid = channel["id"]
    owner_on_b, heir_on_b = world.socket(owner, api=second_api), world.socket(heir, api=second_api)
    body = world.ok("PUT", f"/{cid}", owner, json={"ownerAliasId": heir.alias_id})
    for sock in (owner_on_b, heir_on_b):
        assert sock.expect("v1.channels.ownership-transferred")["channel"] == {
            k: v for k, v in body["channel"].items() if k != "memberCount"
        }
    world.ok("PUT", f"/{cid}/storage", heir, json={"props": [{"key": "a", "value": "1"}]})
    for sock in (owner_on_b, heir_on_b):
        assert len(sock.expect("v1.channels.storage.updated")["upsertedProps"]) == 1
    send(heir_on_b, cid, "mine now")
    for sock in (owner_on_b, heir_on_b):
        assert sock.expect(MESSAGE)["message"] == "mine now"
    silent(owner_on_b, heir_on_b)
