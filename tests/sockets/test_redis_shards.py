"""Redis sharding (README, settings): two server processes whose channel layer is spread over two
private Redis servers (REDIS_LAYER_URLS) and whose cache, tickets, socket tokens and presence
registry live on a Redis of their own (REDIS_CACHE_URL). Every kind of push crosses from one
process to the other: a channel message, a presence change, a relationship broadcast, a
membership join, a live config update and a key revocation's close."""

import shutil
import subprocess
import sys
import time

import pytest
import redis as redis_client
from channels_redis.utils import _consistent_hash

from game_channels.events import channel_group
from players.models import PlayerAliasSubscription
from tests.game_channels.conftest import OFFSETS, World
from tests.servers import ROOT, RedisProcess, ServerProcess, server_env
from tests.support import PRESENCE_UPDATED, Api

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="NEEDS redis-server to run a private Redis"),
]

PREFIX = "shards"


@pytest.fixture(scope="module")
def sharded(django_db_setup):
    shards = [RedisProcess().start() for _ in range(2)]
    settings = {
        "REDIS_URL": "",
        "REDIS_LAYER_URLS": ",".join(shard.url for shard in shards),
        "REDIS_CACHE_URL": f"redis://127.0.0.1:{shards[0].port}/1",
        "CHANNEL_LAYER_PREFIX": PREFIX,
        "CACHE_KEY_PREFIX": PREFIX,
        # Far beyond the test: a revocation can only arrive as an event.
        "TALO_REVOCATION_SWEEP_SECONDS": 300,
    }
    servers = [ServerProcess(f"sharded{i}", **settings).start() for i in (1, 2)]
    yield shards, servers, settings
    for server in servers:
        server.stop()
    for shard in shards:
        shard.stop()


@pytest.fixture
def apis(transactional_db, sharded):
    _, servers, _ = sharded
    clients = [Api(server) for server in servers]
    yield clients
    for client in clients:
        client.close()
    for server in servers:
        assert server.alive(), server.read_log()


def manage(settings, *args):
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=server_env(**settings), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "cannot reach" not in result.stderr
    return result


def test_every_kind_of_push_crosses_processes_over_two_shards(sharded, apis):
    shards, _, settings = sharded
    on_a, on_b = apis
    world = World(on_a)
    game = world.game
    owner, member, joiner = world.player(), world.player(), world.player()
    channel_id = world.create(owner)["id"]
    world.join(channel_id, member)
    scopes = ("read:players", "read:gameChannels", "write:gameChannels", "read:playerBroadcasts",
              "write:playerBroadcasts", "read:gameConfig")
    key = on_a.key(game, *scopes)
    sender = world.socket(owner, api=on_a, key=key)
    receiver = world.socket(member, api=on_b, key=key)
    joining = world.socket(joiner, api=on_b, key=key)

    # A channel message.
    sender.send({"req": "v1.channels.message", "data": {"channel": {"id": channel_id}, "message": "across"}})
    assert receiver.expect("v1.channels.message")["message"] == "across"
    assert sender.expect("v1.channels.message")["message"] == "across"
    joining.expect_silence()

    # A membership join made on A: the joiner's socket on B joins the channel and hears it.
    world.join(channel_id, joiner)
    for sock in (sender, receiver, joining):
        assert sock.expect("v1.channels.player-joined")["playerAlias"]["id"] == joiner.alias_id
    sender.send({"req": "v1.channels.message", "data": {"channel": {"id": channel_id}, "message": "welcome"}})
    for sock in (sender, receiver, joining):
        assert sock.expect("v1.channels.message")["message"] == "welcome"

    # Presence: a player identifying on A, watched from B (the pushes of the identifies above
    # may still be on their way: the watcher waits for the newcomer's).
    watcher = world.socket(world.player(), api=on_b, key=on_a.key(game, "read:players", "read:playerPresence"))
    newcomer = world.player()
    on_a.identified(on_a.key(game, "read:players"), newcomer.alias_id, newcomer.socket_token)
    while (pushed := watcher.expect(PRESENCE_UPDATED))["presence"]["playerAlias"]["id"] != newcomer.alias_id:
        pass
    assert pushed["presence"]["online"] is True

    # A relationship broadcast from A to a subscriber on B.
    PlayerAliasSubscription.objects.create(
        subscriber_id=member.alias_id, subscribed_to_id=owner.alias_id, relationship_type="unidirectional", confirmed=True
    )
    sender.send({"req": "v1.player-relationships.broadcast", "data": {"message": "hello"}})
    assert receiver.expect("v1.player-relationships.broadcast")["message"] == "hello"

    # Live config, set by an operator's command on the same Redis servers.
    manage(settings, "set_live_config", game.name, "xpRate=9")
    assert receiver.expect("v1.live-config.updated") == {"config": [{"key": "xpRate", "value": "9"}]}
    assert sender.expect("v1.live-config.updated") == {"config": [{"key": "xpRate", "value": "9"}]}

    # Both Redis servers carry part of the layer's channels.
    for shard in shards:
        assert redis_client.Redis(port=shard.port).pubsub_channels(f"{PREFIX}*"), f"shard {shard.port} unused"

    # A revocation closes the key's sockets on both processes, at once.
    started = time.monotonic()
    manage(settings, "revoke_api_key", game.name, key)
    for sock in (sender, receiver, joining):
        assert sock.wait_closed(timeout=5) == (3000, "")
    assert time.monotonic() - started < 10
    assert on_b.rest(key).post("/v1/socket-tickets").status_code == 401


def test_channel_messages_with_offsets_cross_from_either_shard(sharded, apis):
    """On a channel whose layer shard is the history's own Redis, the append script publishes each
    message in the same step as it keeps it (game_channels/history_redis.py); on a channel of the
    other shard the message is published apart. Both kinds arrive on the other process, in order,
    with their offsets and the channel's epoch."""
    shards, _, _ = sharded
    on_a, on_b = apis
    world = World(on_a)
    owner, member = world.player(), world.player()
    by_shard = {}  # shard index -> a channel whose group that shard carries
    for _ in range(40):
        channel_id = world.create(owner)["id"]
        by_shard.setdefault(_consistent_hash(f"{PREFIX}__group__{channel_group(channel_id)}", len(shards)), channel_id)
        if len(by_shard) == len(shards):
            break
    assert len(by_shard) == len(shards)
    for channel_id in by_shard.values():
        world.join(channel_id, member)
    sender = world.socket(owner, api=on_a, query=OFFSETS)
    receiver = world.socket(member, api=on_b, query=OFFSETS)
    plain = world.socket(member, api=on_b)
    for shard, channel_id in sorted(by_shard.items()):
        epochs = set()
        for number in (1, 2):
            text = f"shard {shard}, message {number}"
            sender.send({"req": "v1.channels.message", "data": {"channel": {"id": channel_id}, "message": text}})
            for sock in (receiver, sender):
                data = sock.expect("v1.channels.message")
                assert (data["channel"]["id"], data["message"], data["offset"]) == (channel_id, text, number)
                epochs.add(data["epoch"])
            assert "offset" not in plain.expect("v1.channels.message")
        assert len(epochs) == 1
