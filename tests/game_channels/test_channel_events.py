"""docs/testing-scenarios.md K: the socket messages the channel endpoints emit (docs/socket.md §10.5–10.11), with
exact payloads and the connections that must hear nothing."""

from unittest.mock import ANY

import pytest

from game_channels import services
from game_channels.models import GameChannel
from players.models import PlayerAlias
from tests.game_channels.conftest import silent

JOINED = "v1.channels.player-joined"
LEFT = "v1.channels.player-left"
DELETED = "v1.channels.deleted"
TRANSFERRED = "v1.channels.ownership-transferred"
UPDATED = "v1.channels.updated"
STORAGE = "v1.channels.storage.updated"


def plain(rest_channel):
    channel = dict(rest_channel)
    channel.pop("memberCount")
    return channel


def identify_data(world, player):
    """The PlayerAlias JSON the server sends for this player (its identify success data). Each
    identify writes the player's presence, so its `updatedAt` is whatever it was then."""
    sock = world.socket(player, ("read:players",))
    reply = sock.request("v1.players.identify", {"playerAliasId": player.alias_id, "socketToken": player.socket_token})
    data = reply["data"]
    data["player"]["presence"]["updatedAt"] = ANY
    return data


def test_create_announces_the_owner_to_itself(world):
    owner = world.player()
    owner_socket = world.socket(owner)
    outsider = world.socket(world.player())
    channel = world.create(owner, "Guild chat")
    data = owner_socket.expect(JOINED)
    assert data == {"channel": plain(channel), "playerAlias": identify_data(world, owner)}
    silent(owner_socket, outsider)


def test_k129_join_reaches_joiner_and_members_once(world):
    owner, joiner = world.player(), world.player()
    channel = world.create(owner)
    bystanders = world.bystanders(channel["id"])
    owner_socket, joiner_socket, joiner_second = world.socket(owner), world.socket(joiner), world.socket(joiner)
    body = world.join(channel["id"], joiner)
    expected = {"channel": plain(world.get(channel["id"])), "playerAlias": identify_data(world, joiner)}
    assert body["channel"]["memberCount"] == 3  # owner, the deaf bystander, the joiner
    for sock in (owner_socket, joiner_socket, joiner_second):
        assert sock.expect(JOINED) == expected
    world.join(channel["id"], joiner)  # scenario 128: already a member → no message
    silent(owner_socket, joiner_socket, joiner_second, *bystanders)


def test_k136_k140_leave_and_auto_cleanup(world):
    owner, member = world.player(), world.player()
    channel = world.create(owner, autoCleanup=False)
    world.join(channel["id"], member)
    bystanders = world.bystanders(channel["id"])
    owner_socket, member_socket = world.socket(owner), world.socket(member)
    before = plain(world.get(channel["id"]))
    world.ok("POST", f"/{channel['id']}/leave", member, status=204)
    expected = {"channel": before, "playerAlias": identify_data(world, member), "meta": {"reason": 0}}
    assert owner_socket.expect(LEFT) == expected
    assert member_socket.expect(LEFT) == expected
    world.ok("POST", f"/{channel['id']}/leave", member, status=204)  # 134: no-op
    silent(owner_socket, member_socket, *bystanders)


def test_k136_sole_member_of_auto_cleanup_channel(world):
    owner = world.player()
    channel = world.create(owner, autoCleanup=True)
    sock = world.socket(owner)
    outsider = world.socket(world.player())
    before = plain(world.get(channel["id"]))
    world.ok("POST", f"/{channel['id']}/leave", owner, status=204)
    assert sock.expect(LEFT) == {"channel": before, "playerAlias": identify_data(world, owner), "meta": {"reason": 0}}
    assert sock.expect(DELETED) == {"channel": before}
    assert world.call("GET", f"/{channel['id']}").status_code == 404
    silent(sock, outsider)


def test_k135_owner_leaving_auto_cleanup_channel_deletes_it_for_everyone(world):
    owner, a, b = world.player(), world.player(), world.player()
    channel = world.create(owner, autoCleanup=True)
    world.join(channel["id"], a)
    world.join(channel["id"], b)
    sockets = [world.socket(p) for p in (owner, a, b)]
    world.ok("POST", f"/{channel['id']}/leave", owner, status=204)
    for sock in sockets:
        sock.expect(LEFT)
        assert sock.expect(DELETED)["channel"]["id"] == channel["id"]
    assert not GameChannel.objects.filter(id=channel["id"]).exists()
    silent(*sockets)


def test_k137_k139_owner_leaves_without_auto_cleanup(world):
    owner, a = world.player(), world.player()
    channel = world.create(owner)
    world.join(channel["id"], a)
    world.ok("POST", f"/{channel['id']}/leave", owner, status=204)
    assert world.get(channel["id"])["owner"] is None
    world.ok("POST", f"/{channel['id']}/leave", a, status=204)
    assert world.get(channel["id"])["memberCount"] == 0


def test_k142_delete_reaches_members_then_nothing(world):
    owner, member = world.player(), world.player()
    channel = world.create(owner)
    world.join(channel["id"], member)
    bystanders = world.bystanders(channel["id"])
    sockets = [world.socket(owner), world.socket(member)]
    before = plain(world.get(channel["id"]))
    world.ok("DELETE", f"/{channel['id']}", owner, status=204)
    for sock in sockets:
        assert sock.expect(DELETED) == {"channel": before}
    silent(*sockets, *bystanders)


def test_k148_invite_announces_the_invitee(world):
    owner, invitee = world.player(), world.player()
    channel = world.create(owner, private=True)
    owner_socket, invitee_socket = world.socket(owner), world.socket(invitee)
    outsider = world.socket(world.player())
    world.ok("POST", f"/{channel['id']}/invite", owner, status=204, json={"inviteeAliasId": invitee.alias_id})
    expected = {"channel": plain(world.get(channel["id"])), "playerAlias": identify_data(world, invitee)}
    assert owner_socket.expect(JOINED) == expected
    assert invitee_socket.expect(JOINED) == expected
    world.ok("POST", f"/{channel['id']}/invite", owner, status=204, json={"inviteeAliasId": invitee.alias_id})
    silent(owner_socket, invitee_socket, outsider)


def test_k155_ownership_transfer_without_updated(world):
    owner, heir = world.player(), world.player()
    channel = world.create(owner)
    bystanders = world.bystanders(channel["id"])
    owner_socket, heir_socket = world.socket(owner), world.socket(heir)
    # The heir is not a member yet: it becomes one (no player-joined) and hears the transfer.
    body = world.ok("PUT", f"/{channel['id']}", owner, json={"ownerAliasId": heir.alias_id})
    assert body["channel"]["owner"]["id"] == heir.alias_id
    expected = {"channel": plain(body["channel"]), "newOwner": identify_data(world, heir)}
    assert owner_socket.expect(TRANSFERRED) == expected
    assert heir_socket.expect(TRANSFERRED) == expected
    silent(owner_socket, heir_socket, *bystanders)


def test_k157_k159_rename_updates_and_empty_put_is_silent(world):
    owner = world.player()
    channel = world.create(owner)
    bystanders = world.bystanders(channel["id"])
    sock = world.socket(owner)
    world.ok("PUT", f"/{channel['id']}", owner, json={})
    body = world.ok(
        "PUT", f"/{channel['id']}", owner,
        json={"name": " A very interesting chat ", "props": [], "ownerAliasId": owner.alias_id, "private": True},
    )
    assert body["channel"]["name"] == "A very interesting chat"
    transferred = sock.expect(TRANSFERRED)
    assert transferred["newOwner"]["id"] == owner.alias_id
    assert sock.expect(UPDATED) == {
        "channel": plain(body["channel"]),
        "changedProperties": ["name", "props", "ownerAliasId", "private"],
    }
    world.ok("PUT", f"/{channel['id']}", owner, json={"ownerAliasId": None})
    silent(sock, *bystanders)


def test_k184_storage_update_reaches_members_even_when_nothing_changed(world):
    owner, member = world.player(), world.player()
    channel = world.create(owner)
    world.join(channel["id"], member)
    bystanders = world.bystanders(channel["id"])
    sockets = [world.socket(owner), world.socket(member)]
    body = world.ok("PUT", f"/{channel['id']}/storage", member, json={"props": [{"key": "score", "value": "1"}]})
    for sock in sockets:
        data = sock.expect(STORAGE)
        assert data == {"channel": body["channel"], "upsertedProps": body["upsertedProps"], "deletedProps": []}
        assert len(data["upsertedProps"]) == 1
    world.ok("PUT", f"/{channel['id']}/storage", member, json={"props": []})
    for sock in sockets:
        assert sock.expect(STORAGE)["upsertedProps"] == []
    silent(*sockets, *bystanders)


@pytest.mark.redis
def test_temporary_membership_clean_up(world):
    """docs/socket.md §12 through the service presence will call (here from the test process, which
    reaches the server only through Redis): reason 1, auto-cleanup deletes."""
    owner, member = world.player(), world.player()
    temporary = world.create(owner, "temp", temporaryMembership=True)
    lasting = world.create(owner, "lasting")
    world.join(temporary["id"], member)
    world.join(lasting["id"], member)
    solo = world.create(member, "solo", temporaryMembership=True, autoCleanup=True)
    owner_socket, member_socket = world.socket(owner), world.socket(member)
    services.leave_temporary_channels(alias=PlayerAlias.objects.get(id=member.alias_id))
    left = owner_socket.expect(LEFT)
    assert (left["channel"]["id"], left["playerAlias"]["id"], left["meta"]) == (
        temporary["id"], member.alias_id, {"reason": 1}
    )
    assert member_socket.expect(LEFT) == left
    solo_left = member_socket.expect(LEFT)
    assert (solo_left["channel"]["id"], solo_left["meta"]) == (solo["id"], {"reason": 1})
    assert member_socket.expect(DELETED)["channel"]["id"] == solo["id"]
    assert not GameChannel.objects.filter(id=solo["id"]).exists()
    assert world.get(lasting["id"])["memberCount"] == 2
    silent(owner_socket, member_socket)


@pytest.mark.redis
def test_admin_create_without_owner_reaches_nobody_and_with_owner_omits_player_alias(world):
    """docs/rest.md §10, through the service Django admin calls (from the test process: Redis)."""
    owner = world.player()
    sock = world.socket(owner)
    game = world.game
    services.create_channel(game=game, name="nobody's", announce_owner=False)
    alias = PlayerAlias.objects.get(id=owner.alias_id)
    channel = services.create_channel(game=game, name="admin's", owner=alias, announce_owner=False)
    data = sock.expect(JOINED)
    assert list(data) == ["channel"] and data["channel"]["id"] == channel.id
    assert data["channel"]["owner"]["id"] == owner.alias_id
    silent(sock)
