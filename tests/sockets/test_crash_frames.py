"""Frames that used to kill a connection's handler (issue 12, finding 1): each is answered as
docs/socket.md §5 prescribes, the connection lives on, and when it closes its hub registration,
its per-key counter and its presence are released."""

import time

import pytest

from tests.servers import SERVERS, serving
from tests.support import PRESENCE_UPDATED, api_on, error

ROUTING = ("ROUTING_ERROR", "unknown", "An error occurred while routing the message")
IDENTIFY = "v1.players.identify"
LIMIT = 3

# (frame, the exact reply)
CRASH_FRAMES = [
    # A JSON-escaped lone surrogate: no UTF-8 text can carry it.
    ('{"req":"v1.players.identify","data":{"playerAliasId":"\\ud800"}}', error(*ROUTING)),
    ('{"req":"v1.players.identify","data":{"\\udfff":1}}', error(*ROUTING)),
    # Nested far deeper than anything the protocol needs.
    ('{"req":"v1.players.identify","data":{"x":' + "[" * 700 + "]" * 700 + "}}", error(*ROUTING)),
    ('{"req":"v1.players.identify","data":{"x":' + "[" * 30_000 + "]" * 30_000 + "}}", error(*ROUTING)),
    # A big integer takes the standard library's path: its lone surrogate is refused too.
    ('{"req":"v1.players.identify","data":{"playerAliasId":1' + "0" * 30 + ',"socketToken":"\\ud800"}}', error(*ROUTING)),
    # NUL is valid JSON but never a valid string of a payload.
    (
        '{"req":"v1.players.identify","data":{"playerAliasId":1,"socketToken":"a\\u0000b"}}',
        error(
            "INVALID_MESSAGE_DATA", IDENTIFY, "Invalid message data for request",
            '{"playerAliasId":1,"socketToken":"a\\u0000b"}',
        ),
    ),
]


@pytest.fixture(scope="module", params=SERVERS)
def limited_server(request, django_db_setup):
    with serving(f"crash-{request.param}", server=request.param, TALO_MAX_CONNECTIONS_PER_KEY=LIMIT) as process:
        yield process


@pytest.fixture
def api(transactional_db, limited_server):
    with api_on(limited_server) as client:
        yield client


def test_crash_frames_are_answered_and_release_the_connection(api):
    token = api.key(api.game(), "read:players")
    for frame, reply in CRASH_FRAMES:
        for _ in range(LIMIT + 1):  # more sockets than the key may hold at once
            sock = api.socket(token)
            sock.send(frame)
            assert sock.recv() == reply
            sock.expect_silence()  # the same connection goes on serving
            sock.close()
    time.sleep(0.5)  # the last close's clean-up
    # Every counter went down: the key still gets its full allowance.
    held = [api.socket(token) for _ in range(LIMIT)]
    for sock in held:
        sock.expect_silence()


def test_a_player_goes_offline_after_a_crash_frame(api):
    game = api.game()
    token = api.key(game, "read:players", "read:playerPresence")
    alias_id, socket_token = api.player(game)
    watcher = api.identified(token, *api.player(game))
    for frame, reply in CRASH_FRAMES:
        player = api.identified(token, alias_id, socket_token)
        online = watcher.expect(PRESENCE_UPDATED)
        assert (online["presence"]["playerAlias"]["id"], online["presence"]["online"]) == (alias_id, True)
        player.send(frame)
        assert player.recv() == reply
        player.expect_silence()
        player.close()
        offline = watcher.expect(PRESENCE_UPDATED, timeout=10)
        assert (offline["presence"]["playerAlias"]["id"], offline["presence"]["online"]) == (alias_id, False)
