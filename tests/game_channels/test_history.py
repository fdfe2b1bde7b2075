"""docs/extensions.md §X1.1–X1.3 over real sockets: offsets in live frames for connections opened
with `offsets=1` (Talo's exact frame for the others), and `v1.channels.history` — pages, paging,
`complete`, its payload rules and its errors. Runs on whichever store the suite has (Redis with
REDIS_URL, else the server's memory)."""

import json
import re

import pytest

from tests.game_channels.conftest import (
    HISTORY, MESSAGE, OFFSETS, World, chat, history, offsets, send, silent, texts,
)
from tests.support import error

LISTENER = ("LISTENER_ERROR", HISTORY, "An error occurred while processing the message")
SENT_AT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def test_offsets_only_for_connections_that_opted_in(world):
    owner, member = world.player(), world.player()
    channel = world.create(owner)
    cid = channel["id"]
    world.join(cid, member)
    with_offsets = world.socket(member, query=OFFSETS)
    plain = world.socket(member)
    others = [world.socket(member, query="&offsets=true"), world.socket(member, query="&offsets=0")]
    sender = world.socket(owner)
    for number in range(1, 4):
        send(sender, cid, f"m{number}")
    epoch = None
    for number in range(1, 4):
        data = with_offsets.expect(MESSAGE)
        assert list(data) == ["channel", "message", "playerAlias", "offset", "epoch"]
        assert (data["message"], data["offset"]) == (f"m{number}", number)
        assert isinstance(data["epoch"], str) and data["epoch"]
        epoch = epoch or data["epoch"]
        assert data["epoch"] == epoch
    for sock in (plain, *others):
        for number in range(1, 4):
            assert list(sock.expect(MESSAGE)) == ["channel", "message", "playerAlias"]
    # Byte for byte: Talo's frame is the opted-in one without the two keys.
    opted = world.socket(owner, query=OFFSETS)
    send(sender, cid, "m4")
    raw_talo = plain.recv_text()
    for sock in others:
        assert sock.recv_text() == raw_talo
    raw_offsets = with_offsets.recv_text()
    assert raw_offsets == raw_talo[:-2] + f',"offset":4,"epoch":"{epoch}"}}}}'
    assert opted.recv_text() == raw_offsets
    # No other push carries an offset.
    world.join(cid, world.player())
    joined = with_offsets.expect("v1.channels.player-joined")
    assert list(joined) == ["channel", "playerAlias"]


def test_history_pages_oldest_first_with_the_sent_messages(world):
    owner, member = world.player(), world.player()
    cid = world.create(owner)["id"]
    world.join(cid, member)
    sender = world.socket(owner, query=OFFSETS)
    reader = world.socket(member)
    for number in range(1, 8):
        send(sender, cid, f"m{number}")
    frames = [sender.expect(MESSAGE) for _ in range(7)]
    for _ in range(7):
        reader.expect(MESSAGE)
    epoch = frames[0]["epoch"]

    newest = history(reader, cid, limit=3)
    assert list(newest) == ["channel", "messages", "epoch", "latestOffset", "complete"]
    assert newest["channel"] == frames[-1]["channel"]
    assert (offsets(newest), texts(newest)) == ([5, 6, 7], ["m5", "m6", "m7"])
    assert (newest["epoch"], newest["latestOffset"], newest["complete"]) == (epoch, 7, True)
    for message, frame in zip(newest["messages"], frames[4:]):
        assert list(message) == ["offset", "message", "playerAlias", "sentAt"]
        assert message["playerAlias"] == frame["playerAlias"]
        assert SENT_AT.match(message["sentAt"])
    assert offsets(history(reader, cid)) == [1, 2, 3, 4, 5, 6, 7]  # limit defaults to 50

    # Paging with `after`: the first `limit` after it, until latestOffset.
    page = history(reader, cid, after=2, limit=3, epoch=epoch)
    assert (texts(page), page["latestOffset"], page["complete"]) == (["m3", "m4", "m5"], 7, True)
    page = history(reader, cid, after=page["messages"][-1]["offset"], limit=3)
    assert (offsets(page), page["complete"]) == ([6, 7], True)
    assert history(reader, cid, after=7)["messages"] == []
    assert history(reader, cid, after=2.0, limit=1.0)["messages"][0]["offset"] == 3  # socket.md §5's integers
    silent(sender, reader)  # the replies went to the requester only


def test_an_epoch_that_is_not_current_is_answered_like_no_after_and_incomplete(world):
    _, cid, sock = chat(world, 3)
    for stale in ("not-the-epoch", ""):
        reply = history(sock, cid, after=1, epoch=stale, limit=2)
        assert (offsets(reply), reply["latestOffset"], reply["complete"]) == ([2, 3], 3, False)
        assert reply["epoch"] != stale


def test_an_empty_channel_hands_out_the_epoch_its_first_message_keeps(world):
    owner = world.player()
    cid = world.create(owner)["id"]
    sock = world.socket(owner, query=OFFSETS)
    empty = history(sock, cid)
    assert (empty["messages"], empty["latestOffset"], empty["complete"]) == ([], 0, True)
    assert history(sock, cid, after=0, epoch=empty["epoch"])["complete"] is True
    send(sock, cid, "first")
    frame = sock.expect(MESSAGE)
    assert (frame["offset"], frame["epoch"]) == (1, empty["epoch"])


@pytest.mark.parametrize(
    "fields",
    [
        {"limit": 0}, {"limit": 101}, {"limit": 2.5}, {"limit": "5"}, {"limit": None}, {"limit": True},
        {"after": -1}, {"after": 1.5}, {"after": "1"}, {"after": False}, {"epoch": 5}, {"epoch": None},
        {"channel": {"id": "1"}}, {"channel": 1}, {"channel": None},
    ],
)
def test_invalid_payloads(world, fields):
    owner = world.player()
    cid = world.create(owner)["id"]
    sock = world.socket(owner)
    data = {"channel": {"id": cid}, **fields}
    sock.send({"req": HISTORY, "data": data})
    assert sock.recv() == error(
        "INVALID_MESSAGE_DATA", HISTORY, "Invalid message data for request", json.dumps(data, separators=(",", ":"))
    )


def test_limit_bounds_and_extra_keys(world):
    _, cid, sock = chat(world, 3)
    assert offsets(history(sock, cid, limit=1)) == [3]
    assert offsets(history(sock, cid, limit=100, unknown="ignored")) == [1, 2, 3]
    assert history(sock, cid, after=2**70)["messages"] == []


def test_errors_name_the_request(api):
    world, other = World(api), World(api)
    owner, stranger = world.player(), world.player()
    cid = world.create(owner)["id"]
    send_owner = world.socket(owner)
    send(send_owner, cid, "secret")
    send_owner.expect(MESSAGE)
    theirs = other.create(other.player())["id"]

    outsider = world.socket(stranger)
    for channel_id in (cid, cid):
        outsider.send({"req": HISTORY, "data": {"channel": {"id": channel_id}}})
        assert outsider.recv() == error(*LISTENER, "Player not in channel")
    for channel_id in (theirs, 10**12, 1.5, 0):
        outsider.send({"req": HISTORY, "data": {"channel": {"id": channel_id}}})
        assert outsider.recv() == error(*LISTENER, "Channel not found")

    writer_only = world.socket(owner, scopes=("read:players", "write:gameChannels"))
    writer_only.send({"req": HISTORY, "data": {"channel": {"id": cid}}})
    assert writer_only.recv() == error(
        "MISSING_ACCESS_KEY_SCOPES", HISTORY, "Missing access key scope(s): read:gameChannels"
    )

    unidentified = api.socket(world.token)
    unidentified.send({"req": HISTORY, "data": {"channel": {"id": cid}}})
    assert unidentified.recv() == error(
        "NO_PLAYER_FOUND", HISTORY, "You must identify a player before sending this request"
    )
    silent(outsider, writer_only, unidentified, send_owner)


def test_refused_messages_never_enter_history(world):
    owner, stranger = world.player(), world.player()
    cid = world.create(owner)["id"]
    member = world.socket(owner)
    send(member, cid, "kept")
    member.expect(MESSAGE)
    outsider = world.socket(stranger)
    send(outsider, cid, "refused")
    assert outsider.recv()["res"] == "v1.error"
    too_big = world.socket(owner)
    send(too_big, cid, "x" * 70_000)
    assert too_big.wait_closed()[0] == 1009
    after_leave = world.player()
    world.join(cid, after_leave)
    member.expect("v1.channels.player-joined")
    left = world.socket(after_leave)
    world.ok("POST", f"/{cid}/leave", after_leave, status=204)
    member.expect("v1.channels.player-left")
    left.expect("v1.channels.player-left")
    send(left, cid, "after leaving")
    assert left.recv() == error("LISTENER_ERROR", MESSAGE, LISTENER[2], "Player not in channel")
    reply = history(member, cid)
    assert (texts(reply), reply["latestOffset"]) == (["kept"], 1)
