"""Redis restarted mid-traffic (issue 6): every server process re-joins its groups on its own,
cross-process traffic resumes without restarting a server, and the loss window is logged."""

import shutil
import time

import pytest

from tests.game_channels.conftest import World
from tests.servers import RedisProcess, ServerProcess
from tests.support import Api, wait_until

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="NEEDS redis-server to run a private Redis"),
]


@pytest.fixture
def cluster(transactional_db, django_db_setup):
    redis = RedisProcess().start()
    servers = [
        ServerProcess(f"restart{i}", REDIS_URL=redis.url, CHANNEL_LAYER_PREFIX="restart").start() for i in (1, 2)
    ]
    apis = [Api(server) for server in servers]
    yield redis, servers, apis
    for api in apis:
        api.close()
    for server in servers:
        server.stop()
    redis.stop()


def wait_for_delivery(sender, receivers, channel_id, text, timeout=30):
    """Send `text` until every receiver gets it (delivery is at-most-once while Redis is away);
    returns the seconds it took."""
    started = time.monotonic()
    attempt = 0
    while time.monotonic() - started < timeout:
        attempt += 1
        message = f"{text} #{attempt}"
        sender.send({"req": "v1.channels.message", "data": {"channel": {"id": channel_id}, "message": message}})
        got = []
        for sock in [sender, *receivers]:
            try:
                while True:
                    frame = sock.recv(timeout=1)
                    if frame["res"] == "v1.channels.message" and frame["data"]["message"] == message:
                        got.append(sock)
                        break
            except TimeoutError:
                pass
        if len(got) == len(receivers) + 1:
            return time.monotonic() - started
    raise AssertionError(f"'{text}' never reached every member")


def test_processes_recover_after_a_redis_restart(cluster):
    redis, servers, (api_a, api_b) = cluster
    world = World(api_a)
    owner, remote = world.player(), world.player()
    channel_id = world.create(owner)["id"]
    world.join(channel_id, remote)
    on_a = world.socket(owner)
    on_b = world.socket(remote, api=api_b)
    assert wait_for_delivery(on_a, [on_b], channel_id, "before") < 2

    port = redis.port
    redis.stop()
    time.sleep(10)  # long enough for every hub to notice (it probes every 2 s)
    redis.port = port
    redis.start()

    wait_for_delivery(on_a, [on_b], channel_id, "after, A to B")
    wait_for_delivery(on_b, [on_a], channel_id, "after, B to A")
    for server in servers:  # the next probe (every 2 s) after the outage logs its end
        wait_until(lambda: "hub: channel layer reachable again" in server.read_log(tail=None), timeout=10)
        assert "hub: channel layer unreachable" in server.read_log(tail=None)
        assert server.alive()
    # New sockets work too (tickets and socket tokens live in the restarted Redis).
    newcomer = world.player()
    world.join(channel_id, newcomer)
    late = world.socket(newcomer, api=api_b)
    wait_for_delivery(on_a, [on_b, late], channel_id, "newcomer")


def test_presence_survives_a_redis_restart(transactional_db, django_db_setup):
    """Issue 12, finding 6: the live-connection registry is rebuilt from the open sockets after a
    Redis restart, so a player with open sockets stays online and goes offline with its last one."""
    import redis as redis_client

    from players.models import PlayerAlias

    server_redis = RedisProcess().start()
    # Refreshes every second; a player without a live connection would be set offline after 2 s.
    server = ServerProcess(
        "presence-restart", REDIS_URL=server_redis.url, TALO_PRESENCE_TTL=3, TALO_PRESENCE_STALE_SECONDS=2
    ).start()
    api = Api(server)
    try:
        game = api.game()
        token = api.key(game, "read:players", "read:playerPresence")
        alias_id, socket_token = api.player(game)
        player_id = str(PlayerAlias.objects.get(id=alias_id).player_id)
        sockets = [api.identified(token, alias_id, socket_token) for _ in range(2)]
        entries = redis_client.Redis.from_url(server_redis.url)
        key = f"{server.env.get('CACHE_KEY_PREFIX', 'talo')}:presence:{player_id}"

        def online():
            response = api.rest(token).get(f"/v1/players/presence/{player_id}")
            assert response.status_code == 200, response.text
            return response.json()["presence"]["online"]

        assert entries.hlen(key) == 2 and online()
        port = server_redis.port
        server_redis.stop()
        server_redis.port = port
        server_redis.start()
        wait_until(lambda: entries.hlen(key) == 2, timeout=15)  # rebuilt from the open sockets
        time.sleep(4)  # past PRESENCE_STALE_SECONDS: the sweep sees both connections live
        assert online()
        sockets[0].close()
        wait_until(lambda: entries.hlen(key) == 1, timeout=10)  # that close's clean-up ran
        time.sleep(1.5)  # a refresh and a sweep later
        assert online()
        sockets[1].close()
        wait_until(lambda: not online(), timeout=10)
    finally:
        api.close()
        server.stop()
        server_redis.stop()
