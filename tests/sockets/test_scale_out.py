"""Many processes, one socket service (docs/differences.md rows 8 and 10): two server processes on one
Redis behind nginx, as deploy/nginx.conf runs them — one on daphne (the default), one on uvicorn
(the recommended production server), so both are shown to take part in one service."""

import shutil
import subprocess
import sys
import time

import pytest

from players.models import AccessKey
from tests.servers import ROOT, SERVERS, NginxProcess, ServerProcess, server_env
from tests.support import api_on

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(shutil.which("nginx") is None, reason="NEEDS NGINX: apt-get install nginx-light"),
]


@pytest.fixture(scope="module")
def cluster(django_db_setup, django_db_blocker):
    # No revocation sweep: whatever reaches the other process goes through Redis.
    servers = [
        ServerProcess(
            f"node-{server}", server=server, proxy_headers=True, access_log=True, TALO_REVOCATION_SWEEP_SECONDS=3600
        ).start()
        for server in SERVERS
    ]
    nginx = NginxProcess(servers).start()
    yield nginx, servers
    nginx.stop()
    for server in servers:
        server.stop()


def daphne_connects(servers):
    """WebSocket connections the daphne process has accepted (from its access log)."""
    return servers[0].read_log(tail=None).count('"WSCONNECT /"')


def assert_spread(servers, before, sockets):
    """nginx spread the sockets over both processes: daphne took some, uvicorn the others."""
    took = daphne_connects(servers) - before
    assert 0 < took < len(sockets), f"daphne took {took} of {len(sockets)} sockets"


@pytest.fixture
def api(transactional_db, cluster):
    with api_on(cluster[0], *cluster[1]) as client:
        yield client


def test_sockets_through_nginx_spread_over_both_processes_and_revocation_reaches_all(api, cluster):
    _, servers = cluster
    before = daphne_connects(servers)
    game = api.game(name="Cluster Game")
    token = api.key(game, "read:players")
    sockets = [api.socket(token) for _ in range(6)]
    assert_spread(servers, before, sockets)
    for sock in sockets:
        sock.expect_silence()
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "manage.py", "revoke_api_key", "Cluster Game", token],
        cwd=ROOT, env=server_env(), capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "cannot reach" not in result.stderr
    for sock in sockets:
        assert sock.wait_closed(timeout=5) == (3000, "")
    assert time.monotonic() - started < 5
    assert AccessKey.objects.get(game=game).revoked_at is not None


def test_channel_messages_cross_processes_through_nginx(api, cluster):
    from tests.game_channels.conftest import World

    _, servers = cluster
    world = World(api)
    members = [world.player() for _ in range(4)]
    channel_id = world.create(members[0])["id"]
    for member in members[1:]:
        world.join(channel_id, member)
    before = daphne_connects(servers)
    sockets = [world.socket(member) for member in members]
    assert_spread(servers, before, sockets)
    for index, sender in enumerate(sockets):
        text = f"from member {index}"
        sender.send({"req": "v1.channels.message", "data": {"channel": {"id": channel_id}, "message": text}})
        for sock in sockets:
            data = sock.expect("v1.channels.message")
            assert (data["message"], data["playerAlias"]["id"], data["channel"]["id"]) == (
                text, members[index].alias_id, channel_id
            )
    for sock in sockets:
        sock.expect_silence()  # each message exactly once
