"""docs/extensions.md §X1.5: retention by size and by TTL (with `complete: false` for what is
gone), history turned off, and rate-limited messages kept out — on server processes started with
small settings (Redis with REDIS_URL, else each process's memory)."""

import time

import pytest

from tests.game_channels.conftest import MESSAGE, OFFSETS, World, chat, history, offsets, send, texts
from tests.servers import ServerProcess
from tests.support import Api, wait_until

SIZE, TTL = 5, 4
RATE_LIMIT = 60


@pytest.fixture(scope="module")
def small_server(server):
    process = ServerProcess(
        "retention",
        TALO_CHANNEL_HISTORY_SIZE=SIZE,
        TALO_CHANNEL_HISTORY_TTL=TTL,
        TALO_RATE_LIMIT_IDENTIFIED=RATE_LIMIT,
    ).start()
    yield process
    process.stop()


@pytest.fixture
def small(api, small_server):
    client = Api(small_server)
    yield World(client)
    client.close()


def test_size_keeps_the_newest(small):
    owner, cid, sock = chat(small, 8, OFFSETS)
    newest = history(sock, cid)
    assert (offsets(newest), newest["latestOffset"], newest["complete"]) == ([4, 5, 6, 7, 8], 8, False)
    gone = history(sock, cid, after=2, epoch=newest["epoch"])
    assert (offsets(gone), gone["complete"]) == ([4, 5, 6, 7, 8], False)
    held = history(sock, cid, after=3)
    assert (offsets(held), held["complete"]) == ([4, 5, 6, 7, 8], True)
    body = small.ok("GET", f"/{cid}/messages", owner, params={"after": "2"})
    assert (body["messages"], body["complete"]) == (gone["messages"], False)


def test_ttl_drops_old_messages_then_the_epoch(small):
    _, cid, sock = chat(small, 2, OFFSETS)
    epoch = history(sock, cid)["epoch"]
    started = time.monotonic()
    time.sleep(TTL / 2)
    send(sock, cid, "late")
    assert sock.expect(MESSAGE)["offset"] == 3
    # m1 and m2 expire TTL after they were sent, "late" about TTL / 2 later.
    reply = wait_until(lambda: offsets(r := history(sock, cid))[:1] == [3] and r, timeout=TTL * 2, interval=0.3)
    assert time.monotonic() - started < TTL * 1.5, "the machine is too slow for this test's TTL window"
    assert (texts(reply), reply["latestOffset"], reply["complete"], reply["epoch"]) == (["late"], 3, False, epoch)
    assert history(sock, cid, after=1, epoch=epoch)["complete"] is False
    assert history(sock, cid, after=2, epoch=epoch)["complete"] is True
    # When the last message expires, the history is gone: a new epoch, offsets from 1.
    renewed = wait_until(lambda: (r := history(sock, cid))["epoch"] != epoch and r, timeout=TTL * 2, interval=0.3)
    assert (renewed["messages"], renewed["latestOffset"], renewed["complete"]) == ([], 0, True)
    stale = history(sock, cid, after=3, epoch=epoch)
    assert (stale["complete"], stale["epoch"]) == (False, renewed["epoch"])
    send(sock, cid, "again")
    frame = sock.expect(MESSAGE)
    assert (frame["offset"], frame["epoch"]) == (1, renewed["epoch"])


def test_rate_limited_messages_are_not_kept(small):
    owner = small.player()
    cid = small.create(owner)["id"]
    sock = small.socket(owner)
    for number in range(RATE_LIMIT + 2):  # two over the identified budget: warned, not closed
        send(sock, cid, f"m{number}")
    frames = [sock.recv() for _ in range(RATE_LIMIT + 2)]
    # The echoes cross Redis; the two errors are answered at once and may come before the last
    # echoes (docs/socket.md §9.2).
    assert [frame["data"]["message"] for frame in frames if frame["res"] == MESSAGE] == [f"m{n}" for n in range(RATE_LIMIT)]
    assert [frame["data"]["errorCode"] for frame in frames if frame["res"] != MESSAGE] == ["RATE_LIMIT_EXCEEDED"] * 2
    reply = small.ok("GET", f"/{cid}/messages", owner)
    assert reply["latestOffset"] == RATE_LIMIT
    assert [m["message"] for m in reply["messages"]] == [f"m{n}" for n in range(RATE_LIMIT - SIZE, RATE_LIMIT)]


@pytest.fixture(scope="module")
def off_server(server):
    process = ServerProcess("history-off", TALO_CHANNEL_HISTORY_SIZE=0).start()
    yield process
    process.stop()


def test_size_zero_turns_history_and_offsets_off(api, off_server):
    client = Api(off_server)
    try:
        world = World(client)
        owner = world.player()
        cid = world.create(owner)["id"]
        sock = world.socket(owner, query=OFFSETS)
        send(sock, cid, "not kept")
        assert list(sock.expect(MESSAGE)) == ["channel", "message", "playerAlias"]
        reply = history(sock, cid, after=0)
        assert (reply["messages"], reply["latestOffset"], reply["complete"]) == ([], 0, False)
        assert isinstance(reply["epoch"], str)
        assert world.ok("GET", f"/{cid}/messages", owner)["complete"] is False
    finally:
        client.close()
