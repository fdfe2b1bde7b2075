"""docs/extensions.md §X1 with several server processes on one Redis: offsets are consecutive per
channel whoever sends, a member who was away recovers exactly what it missed, deleting a channel
deletes its history, and an emptied store starts a new epoch."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from django.conf import settings

from tests.game_channels.conftest import MESSAGE, OFFSETS, history, offsets, send, texts
from tests.support import wait_until

pytestmark = pytest.mark.redis


def history_keys(channel_id):
    stream = f"{settings.CACHES['default']['KEY_PREFIX']}:history:{{{channel_id}}}"
    return [stream, stream + ":meta"]


@pytest.fixture
def store():
    client = redis.Redis.from_url(settings.REDIS_CACHE_URL)  # where history lives (REDIS_URL by default)
    yield client
    client.close()


def test_offsets_are_consecutive_across_processes(world, second_api):
    a_player, b_player, listener = world.player(), world.player(), world.player()
    cid = world.create(a_player)["id"]
    world.join(cid, b_player)
    world.join(cid, listener)
    on_a = world.socket(a_player, query=OFFSETS)
    on_b = world.socket(b_player, api=second_api, query=OFFSETS)
    listeners = [world.socket(listener, query=OFFSETS), world.socket(listener, api=second_api, query=OFFSETS)]

    def burst(sock, name):
        for number in range(15):
            send(sock, cid, f"{name}{number}")

    with ThreadPoolExecutor(2) as pool:  # both processes append at once
        list(pool.map(burst, (on_a, on_b), ("a", "b")))
    for sock in [on_a, on_b, *listeners]:
        frames = [sock.expect(MESSAGE) for _ in range(30)]
        assert sorted(frame["offset"] for frame in frames) == list(range(1, 31))
        assert len({frame["epoch"] for frame in frames}) == 1
        by_offset = {frame["offset"]: frame["message"] for frame in frames}
        for name in "ab":  # each sender's messages in the order it sent them
            assert [m for _, m in sorted(by_offset.items()) if m.startswith(name)] == [f"{name}{n}" for n in range(15)]
    reply = history(listeners[0], cid)
    assert offsets(reply) == list(range(1, 31))
    assert texts(reply) == [by_offset[offset] for offset in range(1, 31)]
    assert history(listeners[1], cid) == reply


def test_a_member_who_was_away_recovers_exactly_what_it_missed(world, second_api):
    member, talker = world.player(), world.player()
    cid = world.create(talker)["id"]
    world.join(cid, member)
    talker_on_b = world.socket(talker, api=second_api)
    away = world.socket(member, query=OFFSETS)
    send(talker_on_b, cid, "before")
    seen = away.expect(MESSAGE)
    talker_on_b.expect(MESSAGE)
    away.close()
    missed = [f"missed {n}" for n in range(20)]
    for text in missed:
        send(talker_on_b, cid, text)
    for _ in missed:
        talker_on_b.expect(MESSAGE)  # every one of them kept and published
    back = world.socket(member, query=OFFSETS)
    reply = history(back, cid, after=seen["offset"], epoch=seen["epoch"])
    assert texts(reply) == missed
    assert offsets(reply) == list(range(seen["offset"] + 1, seen["offset"] + 21))
    assert (reply["latestOffset"], reply["complete"], reply["epoch"]) == (seen["offset"] + 20, True, seen["epoch"])
    assert {m["playerAlias"]["id"] for m in reply["messages"]} == {talker.alias_id}


def test_deleting_a_channel_deletes_its_history(world, store):
    owner = world.player()
    cid = world.create(owner)["id"]
    sock = world.socket(owner)
    send(sock, cid, "soon gone")
    sock.expect(MESSAGE)
    assert store.exists(*history_keys(cid)) == 2
    world.ok("DELETE", f"/{cid}", owner, status=204)
    wait_until(lambda: store.exists(*history_keys(cid)) == 0)


def test_an_emptied_store_starts_a_new_epoch(world, second_api, store):
    owner, member = world.player(), world.player()
    cid = world.create(owner)["id"]
    world.join(cid, member)
    sock = world.socket(owner, query=OFFSETS)
    on_b = world.socket(member, api=second_api, query=OFFSETS)
    for number in range(1, 4):
        send(sock, cid, f"m{number}")
        sock.expect(MESSAGE)
        on_b.expect(MESSAGE)
    old = history(sock, cid)
    assert (old["latestOffset"], old["complete"]) == (3, True)
    store.flushdb()  # the suite's own Redis database (README: the tests own it)
    send(on_b, cid, "after the flush")
    frame = sock.expect(MESSAGE)
    on_b.expect(MESSAGE)
    assert frame["offset"] == 1 and frame["epoch"] != old["epoch"]
    for api_socket in (sock, on_b):
        reply = history(api_socket, cid, after=3, epoch=old["epoch"])
        assert (texts(reply), reply["epoch"], reply["latestOffset"], reply["complete"]) == (
            ["after the flush"], frame["epoch"], 1, False
        )
        current = history(api_socket, cid, after=0, epoch=frame["epoch"])
        assert (texts(current), current["complete"]) == (["after the flush"], True)


def test_a_redis_that_lost_its_scripts_still_appends_each_message_once(world, store):
    """Appends go out as EVALSHA (pipelined, sockets/pipelining.py); a Redis restarted or
    flushed since knows no script: the append is loaded and run then, not lost or doubled."""
    owner = world.player()
    cid = world.create(owner)["id"]
    sock = world.socket(owner, query=OFFSETS)
    send(sock, cid, "before")
    assert sock.expect(MESSAGE)["offset"] == 1
    store.script_flush()
    for number in (2, 3):
        send(sock, cid, f"after {number}")
        assert sock.expect(MESSAGE)["offset"] == number
    reply = history(sock, cid)
    assert (texts(reply), reply["latestOffset"]) == (["before", "after 2", "after 3"], 3)
