"""docs/testing-scenarios.md F: `v1.channels.message` over real sockets, and what it must not reach."""

import pytest

from tests.game_channels.conftest import World, silent
from tests.support import error

MESSAGE = "v1.channels.message"
LISTENER = ("LISTENER_ERROR", MESSAGE, "An error occurred while processing the message")


def send(sock, channel_id, text):
    sock.send({"req": MESSAGE, "data": {"channel": {"id": channel_id}, "message": text}})


def test_f30_member_message_reaches_every_member_connection_exactly(world):
    owner, member = world.player("owner"), world.player("member")
    channel = world.create(owner, "Guild chat")
    world.join(channel["id"], member)
    bystanders = world.bystanders(channel["id"])
    owner_socket, member_socket, member_second = world.socket(owner), world.socket(member), world.socket(member)
    send(member_socket, channel["id"], "Hello world")
    expected = None
    for sock in (owner_socket, member_socket, member_second):
        data = sock.expect(MESSAGE)
        assert list(data) == ["channel", "message", "playerAlias"]
        expected = expected or data
        assert data == expected
    assert expected["message"] == "Hello world"
    assert expected["playerAlias"]["id"] == member.alias_id
    # The plain channel: no memberCount in socket payloads.
    rest_channel = world.get(channel["id"])
    rest_channel.pop("memberCount")
    assert expected["channel"] == rest_channel | {"totalMessages": expected["channel"]["totalMessages"]}
    silent(owner_socket, member_socket, member_second, *bystanders)


def test_f31_f32_non_member_gets_the_same_error_twice(world):
    owner, stranger = world.player(), world.player()
    channel = world.create(owner)
    owner_socket, sock = world.socket(owner), world.socket(stranger)
    for _ in range(2):
        send(sock, channel["id"], "Hello")
        assert sock.recv() == error(*LISTENER, "Player not in channel")
    silent(owner_socket, sock)


def test_f33_messages_arrive_in_order(world):
    owner = world.player()
    channel = world.create(owner)
    sock = world.socket(owner)
    send(sock, channel["id"], "first")
    send(sock, channel["id"], "second")
    assert sock.expect(MESSAGE)["message"] == "first"
    second = sock.expect(MESSAGE)
    assert (second["message"], second["channel"]["id"], second["playerAlias"]["id"]) == (
        "second", channel["id"], owner.alias_id
    )


@pytest.mark.parametrize("channel_id", [999, 999.0, 1.5, -1, 0, 2**70])
def test_f34_missing_channel(world, channel_id):
    sock = world.socket(world.player())
    send(sock, channel_id, "Hello")
    assert sock.recv() == error(*LISTENER, "Channel not found")


def test_another_games_channel_is_not_found_and_unaffected(api):
    """docs/differences.md row 4: probing game B's channel from game A is exactly "not found", and B's
    members keep working."""
    a, b = World(api), World(api)
    b_owner = b.player()
    channel = b.create(b_owner)
    b_socket = b.socket(b_owner)
    prober = a.socket(a.player())
    for _ in range(2):
        send(prober, channel["id"], "probe")
        assert prober.recv() == error(*LISTENER, "Channel not found")
    send(b_socket, channel["id"], "still here")
    assert b_socket.expect(MESSAGE)["message"] == "still here"
    silent(prober, b_socket)


def test_empty_and_large_messages(world):
    owner = world.player()
    channel = world.create(owner)
    sock = world.socket(owner)
    for text in ["", "ü", "x" * 60000]:  # docs/differences.md row 5: 60,000 characters go through
        send(sock, channel["id"], text)
        assert sock.expect(MESSAGE)["message"] == text


def test_sender_without_read_scope_sends_but_does_not_receive(world):
    owner, member = world.player(), world.player()
    channel = world.create(owner)
    world.join(channel["id"], member)
    owner_socket = world.socket(owner)
    writer = world.socket(member, ("read:players", "write:gameChannels"))
    send(writer, channel["id"], "hi")
    assert owner_socket.expect(MESSAGE)["playerAlias"]["id"] == member.alias_id
    silent(writer, owner_socket)


def test_joining_and_leaving_over_rest_changes_who_hears(world):
    owner, member = world.player(), world.player()
    channel = world.create(owner)
    owner_socket, member_socket = world.socket(owner), world.socket(member)
    world.join(channel["id"], member)
    owner_socket.expect("v1.channels.player-joined")
    member_socket.expect("v1.channels.player-joined")
    send(member_socket, channel["id"], "joined")  # scenario 131: the new member is seen at once
    assert owner_socket.expect(MESSAGE)["message"] == "joined"
    assert member_socket.expect(MESSAGE)["message"] == "joined"
    world.ok("POST", f"/{channel['id']}/leave", member, status=204)
    owner_socket.expect("v1.channels.player-left")
    member_socket.expect("v1.channels.player-left")
    send(owner_socket, channel["id"], "after")
    assert owner_socket.expect(MESSAGE)["message"] == "after"
    send(member_socket, channel["id"], "me?")
    assert member_socket.recv() == error(*LISTENER, "Player not in channel")
    silent(owner_socket, member_socket)


def test_deleted_channel_is_not_found_afterwards(world):
    owner = world.player()
    channel = world.create(owner)
    sock = world.socket(owner)
    world.ok("DELETE", f"/{channel['id']}", owner, status=204)
    sock.expect("v1.channels.deleted")
    send(sock, channel["id"], "anyone?")
    assert sock.recv() == error(*LISTENER, "Channel not found")


def test_message_shows_the_updated_channel(world):
    owner = world.player()
    channel = world.create(owner, "before")
    sock = world.socket(owner)
    send(sock, channel["id"], "one")
    assert sock.expect(MESSAGE)["channel"]["name"] == "before"
    world.ok("PUT", f"/{channel['id']}", owner, json={"name": "after"})
    sock.expect("v1.channels.updated")
    send(sock, channel["id"], "two")
    assert sock.expect(MESSAGE)["channel"]["name"] == "after"


def test_reidentify_as_another_alias_switches_channels(world):
    first, second = world.player(), world.player()
    channel = world.create(first)
    other_channel = world.create(second)
    sock = world.socket(first)
    reply = sock.request("v1.players.identify", {"playerAliasId": second.alias_id, "socketToken": second.socket_token})
    assert reply["res"] == "v1.players.identify.success"
    send(sock, channel["id"], "old")
    assert sock.recv() == error(*LISTENER, "Player not in channel")
    send(sock, other_channel["id"], "new")
    assert sock.expect(MESSAGE)["playerAlias"]["id"] == second.alias_id
