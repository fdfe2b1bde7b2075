"""docs/testing-scenarios.md C: per-connection rate limiting (docs/socket.md §7), on a server with small budgets."""

import time

import pytest

from tests.servers import SERVERS, serving
from tests.support import api_on, error

RATE_LIMITED = error("RATE_LIMIT_EXCEEDED", "unknown", "Rate limit exceeded")
UNIDENTIFIED, IDENTIFIED, WINDOW = 5, 10, 2


@pytest.fixture(scope="module", params=SERVERS)
def limited_server(request, django_db_setup):
    limits = {
        "TALO_RATE_LIMIT_UNIDENTIFIED": UNIDENTIFIED,
        "TALO_RATE_LIMIT_IDENTIFIED": IDENTIFIED,
        "TALO_RATE_LIMIT_WINDOW": WINDOW,
        "TALO_RATE_LIMIT_BLOCK": WINDOW,
    }
    with serving(f"rate-limited-{request.param}", server=request.param, **limits) as process:
        yield process


@pytest.fixture
def api(transactional_db, limited_server):
    with api_on(limited_server) as client:
        yield client


def heartbeats(sock, count):
    for _ in range(count):
        sock.send("v1.heartbeat")
        assert sock.recv_text() == "v1.heartbeat"


def test_c15_over_the_limit_frame_is_answered_and_dropped(api):
    game = api.game()
    alias_id, socket_token = api.player(game)
    sock = api.socket(api.key(game, "read:players", "read:gameChannels", "write:gameChannels"))
    heartbeats(sock, UNIDENTIFIED - 1)
    identify = {"playerAliasId": alias_id, "socketToken": socket_token}
    assert sock.request("v1.players.identify", identify)["res"] == "v1.players.identify.success"
    # Identified: a fresh count against the identified budget.
    heartbeats(sock, IDENTIFIED)
    assert sock.request("v1.players.identify", identify) == RATE_LIMITED  # not processed
    assert sock.request("v1.players.identify", identify) == RATE_LIMITED  # blocked


def test_c16_fourth_exceeded_frame_closes_1008(api):
    game = api.game()
    sock = api.socket(api.key(game))
    heartbeats(sock, UNIDENTIFIED - 1)  # v1.connected counted nothing; the ticket frame is not a frame
    sock.send("v1.heartbeat")
    assert sock.recv_text() == "v1.heartbeat"
    for _ in range(3):
        sock.send('{"req":"v1.players.identify","data":{}}')
        assert sock.recv() == RATE_LIMITED
    sock.send("v1.heartbeat")  # a heartbeat while blocked is itself exceeded
    assert sock.wait_closed() == (1008, "RATE_LIMIT_EXCEEDED")


def test_c17_heartbeats_lower_the_warning_count_and_blocks_end(api):
    game = api.game()
    bystander = api.socket(api.key(game))
    sock = api.socket(api.key(game))
    heartbeats(sock, UNIDENTIFIED)
    for _ in range(2):
        sock.send("v1.heartbeat")
        assert sock.recv() == RATE_LIMITED
    time.sleep(WINDOW + 0.2)  # block and window over: the heartbeat counts, and lowers warnings 2 → 1
    heartbeats(sock, 1)
    for _ in range(UNIDENTIFIED - 1):  # counted, but not heartbeats: the warnings stay at 1
        sock.send("{}")
        assert sock.recv()["data"]["errorCode"] == "INVALID_MESSAGE"
    for _ in range(2):  # warnings 2 and 3
        sock.send("v1.heartbeat")
        assert sock.recv() == RATE_LIMITED
    sock.send("v1.heartbeat")  # the 4th
    assert sock.wait_closed() == (1008, "RATE_LIMIT_EXCEEDED")
    bystander.expect_silence()  # limits are per connection
