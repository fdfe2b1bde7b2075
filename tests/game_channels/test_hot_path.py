"""The message path touches no database (issue 3, docs/architecture.md), shown in process on a real hub:
once the first message has cached the channel's JSON, every way to reach the database from the
event loop is cut, and messages still reach the members."""

import asyncio
import json

from game_channels import message_counts, realtime, services
from players.services.identity import create_player_with_alias
from players.models import Game
from players.serializers import serialize_alias
from sockets import hub as hub_module
from sockets.connection import Connection, Grant
from sockets.hub import alias_group, get_hub


class RecordingConsumer:
    def __init__(self):
        self.frames = []

    async def base_send(self, message):
        self.frames.append(json.loads(message["text"]))

    async def close(self, code, reason=None):
        pass


def no_database(*args, **kwargs):
    raise AssertionError("the message path reached for the database")


def test_messages_need_no_database_query(transactional_db, monkeypatch):
    game = Game.objects.create(name="hot path")
    sender, listener = (
        create_player_with_alias(game=game, service="username", identifier=name, dev_build=False)
        for name in ("sender", "listener")
    )
    channel = services.create_channel(game=game, name="hot", owner=sender)
    services.join_channel(channel=channel, alias=listener)
    grant = Grant(
        key_id=0, game_id=game.id, scopes=frozenset({"read:gameChannels"}), verify_requests=False
    )

    async def identified(hub, alias):
        connection = Connection(RecordingConsumer(), grant, "127.0.0.1")
        await hub.register(connection)
        connection.alias_id = alias.id
        connection.alias_data = serialize_alias(alias)
        await hub.join(connection, alias_group(alias.id))
        await realtime.join_member_groups(hub, connection)
        return connection

    async def delivered(connections, count):
        for _ in range(200):
            if all(len(c._consumer.frames) >= count for c in connections):
                return
            await asyncio.sleep(0.01)
        raise AssertionError("not delivered")

    async def scenario():
        hub = await get_hub()
        connections = [await identified(hub, sender), await identified(hub, listener)]
        await realtime.send_message(connections[0], {"channel": {"id": channel.id}, "message": "first"})
        await delivered(connections, 1)
        monkeypatch.setattr(realtime, "run_work", no_database)
        monkeypatch.setattr(hub_module, "database_sync_to_async", no_database)
        for number in range(20):
            await realtime.send_message(connections[number % 2], {"channel": {"id": channel.id}, "message": str(number)})
        await delivered(connections, 21)
        return connections

    connections = asyncio.run(scenario())
    # Counted in memory, to be flushed later (taken here: this test's database goes away).
    assert message_counts._take() == {channel.id: 21}
    for connection in connections:
        frames = connection._consumer.frames
        assert [f["data"]["message"] for f in frames] == ["first"] + [str(n) for n in range(20)]
        assert {f["data"]["channel"]["id"] for f in frames} == {channel.id}
