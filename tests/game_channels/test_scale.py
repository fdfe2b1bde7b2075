"""Concurrency and size (issue 3): serialised storage writes, many members joining at once, a
large channel, and `totalMessages` counted without a write per message."""

import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from game_channels.models import ChannelStorageProp, GameChannel
from tests.game_channels.conftest import CHANNEL_SCOPES, World, socket_servers
from tests.servers import ServerProcess
from tests.support import Api

MESSAGE = "v1.channels.message"
JOINED = "v1.channels.player-joined"


def test_50_concurrent_storage_puts_are_serialised(world, second_server):
    """Each member replaces `items[]` with its own number and sets its own key. In a serial
    order every response deletes exactly the previous writer's value: the responses form one
    chain through all 50 writes, ending at the stored value, and no key is lost."""
    owner = world.player()
    cid = world.create(owner)["id"]
    members = world.players(50)
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda member: world.join(cid, member), members))
    urls = [world.api.server.http, second_server.http]

    def write(indexed):
        index, member = indexed
        with httpx.Client(base_url=urls[index % 2], timeout=60) as client:
            response = client.put(
                f"/v1/game-channels/{cid}/storage",
                headers={"Authorization": f"Bearer {world.token}", "x-talo-alias": str(member.alias_id)},
                json={"props": [{"key": "items[]", "value": str(index)}, {"key": f"own{index}", "value": str(index)}]},
            )
        assert response.status_code == 200, response.text
        return index, response.json()

    with ThreadPoolExecutor(50) as pool:
        results = dict(pool.map(write, enumerate(members)))

    previous = {}
    for index, body in results.items():
        assert body["failedProps"] == []
        assert sorted(p["key"] for p in body["upsertedProps"]) == sorted(["items[]", f"own{index}"])
        deleted = [p["value"] for p in body["deletedProps"]]
        assert len(deleted) <= 1
        previous[index] = int(deleted[0]) if deleted else None
    firsts = [index for index, before in previous.items() if before is None]
    assert len(firsts) == 1
    following = {before: index for index, before in previous.items() if before is not None}
    assert len(following) == 49  # nobody's value was replaced twice
    chain = [firsts[0]]
    while chain[-1] in following:
        chain.append(following[chain[-1]])
    assert sorted(chain) == list(range(50))
    stored = ChannelStorageProp.objects.filter(channel_id=cid)
    assert list(stored.filter(key="items[]").values_list("value", flat=True)) == [str(chain[-1])]
    assert stored.exclude(key="items[]").count() == 50


def drain(sock, messages):
    """Read until every one of `messages` arrived; returns (player-joined alias ids, messages)."""
    joined, seen = [], []
    while len(seen) < len(messages):
        frame = sock.recv(timeout=20)
        if frame["res"] == JOINED:
            joined.append(frame["data"]["playerAlias"]["id"])
        else:
            assert frame["res"] == MESSAGE, frame
            seen.append(frame["data"]["message"])
    return joined, seen


def test_200_members_join_at_once_and_each_hears_every_later_message_once(world, second_api):
    servers = socket_servers(world.api, second_api)
    owner = world.player()
    cid = world.create(owner)["id"]
    members = world.players(200)
    key = world.api.key(world.game, *CHANNEL_SCOPES)
    with ThreadPoolExecutor(16) as pool:
        sockets = list(
            pool.map(
                lambda pair: world.socket(pair[1], api=servers[pair[0] % len(servers)], key=key), enumerate(members)
            )
        )
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda member: world.join(cid, member), members))
    assert world.get(cid)["memberCount"] == 201
    senders = [(sockets[0], "from 0"), (sockets[-1], "from 199"), (sockets[100], "from 100")]
    for sock, text in senders:
        sock.send({"req": MESSAGE, "data": {"channel": {"id": cid}, "message": text}})
    texts = [text for _, text in senders]
    for member, sock in zip(members, sockets):
        joined, seen = drain(sock, texts)
        assert joined.count(member.alias_id) == 1
        assert len(joined) == len(set(joined))
        assert sorted(seen) == sorted(texts)
        sock.expect_silence()


def test_total_messages_are_flushed_periodically_and_on_shutdown(transactional_db):
    """Each process counts in memory: written every TALO_MESSAGE_COUNT_FLUSH_SECONDS, and at a
    clean shutdown (SIGTERM). Without Redis each process has its own cache, so every process
    here gets its own world (tokens) on the one database."""

    def send(api, world, player, count):
        sock = world.socket(player, api=api)
        for number in range(count):
            sock.send({"req": MESSAGE, "data": {"channel": {"id": cid}, "message": str(number)}})
            sock.expect(MESSAGE)

    process = ServerProcess("counts", TALO_MESSAGE_COUNT_FLUSH_SECONDS=1).start()
    api = Api(process)
    try:
        world = World(api)
        owner = world.player("counter")
        cid = world.create(owner)["id"]
        send(api, world, owner, 3)
        deadline = time.monotonic() + 10
        while GameChannel.objects.get(id=cid).total_messages != 3:
            assert time.monotonic() < deadline, "totalMessages was not flushed"
            time.sleep(0.2)
    finally:
        api.close()
        process.stop()
    process = ServerProcess("counts-exit", TALO_MESSAGE_COUNT_FLUSH_SECONDS=3600).start()
    api = Api(process)
    try:
        world.api = api
        owner = world.player("counter")  # the same alias, a socket token of this process
        send(api, world, owner, 4)
        assert GameChannel.objects.get(id=cid).total_messages == 3
    finally:
        api.close()
        # SIGTERM: a clean shutdown. Its clean-ups may wait on another server process's SQLite
        # write lock; the harness's usual 10 s before SIGKILL would lose the count it writes last.
        process.stop(timeout=60)
    assert process.process.returncode == 0, process.read_log()
    assert GameChannel.objects.get(id=cid).total_messages == 7, process.read_log()
