"""docs/testing-scenarios.md B and D, and bad input: the request pipeline of docs/socket.md §5 over real sockets."""

import json

import pytest

from tests.support import error

ROUTING = ("ROUTING_ERROR", "An error occurred while routing the message")
INVALID_MESSAGE = ("INVALID_MESSAGE", "Invalid message request")
IDENTIFY = "v1.players.identify"


@pytest.fixture
def game(api):
    return api.game()


def test_b8_b9_invalid_envelopes_echo_the_raw_frame(api, game):
    sock = api.socket(api.key(game))
    for raw in ['{"blah":"blah"}', '{"req":"v1.magic","data":{}}']:
        sock.send(raw)
        assert sock.recv() == error("INVALID_MESSAGE", "unknown", "Invalid message request", raw)


@pytest.mark.parametrize(
    "raw",
    [
        '{"req":"v1.players.identify"}',
        '{"data":{}}',
        '{"req":"v1.players.identify","data":[]}',
        '{"req":"v1.players.identify","data":null}',
        '{"req":"v1.players.identify","data":"x"}',
        '{"req":1,"data":{}}',
        '{"req":"v1.channels.joined","data":{}}',
        "[]",
        "1",
        '"text"',
        "null",
        '{"req": "v1.players.identify",\n "data": 5}',
    ],
)
def test_every_broken_envelope_is_invalid_message(api, game, raw):
    sock = api.socket(api.key(game))
    sock.send(raw)
    assert sock.recv() == error(*INVALID_MESSAGE[:1], "unknown", INVALID_MESSAGE[1], raw)


@pytest.mark.parametrize("raw", ["not json", "{", '{"a":NaN}', "v1.heartbeat ", "", "1|x.y\n{}"])
def test_invalid_json_is_routing_error_without_cause(api, game, raw):
    sock = api.socket(api.key(game))
    sock.send(raw)
    assert sock.recv() == error(ROUTING[0], "unknown", ROUTING[1])


def test_b10_channel_message_before_identify(api, game):
    sock = api.socket(api.key(game))
    reply = sock.request("v1.channels.message", {"channel": {"id": 1}, "message": "Hello world"})
    assert reply == error(
        "NO_PLAYER_FOUND", "v1.channels.message", "You must identify a player before sending this request"
    )


def test_b11_missing_scope_after_identify(api, game):
    alias_id, socket_token = api.player(game)
    sock = api.identified(api.key(game, "read:players"), alias_id, socket_token)
    reply = sock.request("v1.channels.message", {"channel": {"id": 1}, "message": "Hello world"})
    assert reply == error(
        "MISSING_ACCESS_KEY_SCOPES", "v1.channels.message", "Missing access key scope(s): write:gameChannels"
    )


def test_identify_needs_read_players(api, game):
    alias_id, socket_token = api.player(game)
    sock = api.socket(api.key(game, "write:players"))
    reply = sock.request(IDENTIFY, {"playerAliasId": alias_id, "socketToken": socket_token})
    assert reply == error("MISSING_ACCESS_KEY_SCOPES", IDENTIFY, "Missing access key scope(s): read:players")


def test_b13_invalid_message_data_echoes_compact_data(api, game):
    alias_id, socket_token = api.player(game)
    sock = api.identified(api.key(game, "read:players", "write:gameChannels"), alias_id, socket_token)
    data = '{"channel":{"id":1},"myMessageToTheChannelIsGoingToBeThis":"Hello world"}'
    sock.send('{"req": "v1.channels.message", "data": ' + data.replace(",", ", ") + "}")
    assert sock.recv() == error("INVALID_MESSAGE_DATA", "v1.channels.message", "Invalid message data for request", data)


@pytest.mark.parametrize(
    "data",
    [
        {"playerAliasId": True, "socketToken": "x"},  # a boolean is not a number
        {"playerAliasId": "1", "socketToken": "x"},
        {"playerAliasId": 1},
        {"socketToken": "x"},
        {"playerAliasId": 1, "socketToken": None},
        {"playerAliasId": 1, "socketToken": 5},
        {"playerAliasId": 1, "socketToken": "x", "sessionToken": None},
        {"playerAliasId": [1], "socketToken": "x"},
        {"playerAliasId": {"id": 1}, "socketToken": "x"},
    ],
)
def test_identify_payload_schema(api, game, data):
    sock = api.socket(api.key(game, "read:players"))
    reply = sock.request(IDENTIFY, data)
    assert reply == error(
        "INVALID_MESSAGE_DATA", IDENTIFY, "Invalid message data for request", json.dumps(data, separators=(",", ":"))
    )
    sock.expect_silence()


def test_integral_floats_are_numbers_and_reserialised_like_javascript(api, game):
    sock = api.socket(api.key(game, "read:players"))
    sock.send('{"req":"v1.players.identify","data":{"playerAliasId":1.0,"socketToken":7.50}}')
    assert sock.recv()["data"]["cause"] == '{"playerAliasId":1,"socketToken":7.5}'


def test_d18_identify_success_returns_the_alias(api, game):
    alias_id, socket_token = api.player(game, identifier="hero")
    sock = api.socket(api.key(game, "read:players"))
    data = sock.request(IDENTIFY, {"playerAliasId": alias_id, "socketToken": socket_token})
    assert data["res"] == "v1.players.identify.success"
    alias = data["data"]
    assert list(alias) == [
        "id", "service", "identifier", "displayName", "player", "lastSeenAt", "createdAt", "updatedAt"
    ]
    assert (alias["id"], alias["service"], alias["identifier"], alias["displayName"]) == (
        alias_id, "username", "hero", "hero"
    )
    assert "aliases" not in alias["player"]
    assert {"id", "props", "groups", "devBuild", "createdAt", "lastSeenAt", "presence"} <= set(alias["player"])
    assert alias["createdAt"].endswith("Z") and len(alias["createdAt"]) == 24


def test_d18_socket_token_is_not_consumed_and_identifies_several_sockets(api, game):
    alias_id, socket_token = api.player(game)
    key = api.key(game, "read:players")
    first = api.identified(key, alias_id, socket_token)
    second = api.identified(key, alias_id, socket_token)
    first.expect_silence()
    second.expect_silence()


def test_dotted_spelling_from_the_docs_is_accepted(api, game):
    """docs/differences.md row 7."""
    alias_id, socket_token = api.player(game)
    sock = api.socket(api.key(game, "read:players"))
    reply = sock.request("v1.players.identified", {"playerAliasId": alias_id, "socketToken": socket_token})
    assert reply["res"] == "v1.players.identify.success" and reply["data"]["id"] == alias_id


def test_d19_invalid_socket_token(api, game):
    alias_id, _ = api.player(game)
    sock = api.socket(api.key(game, "read:players"))
    for token in ["invalid", ""]:
        reply = sock.request(IDENTIFY, {"playerAliasId": alias_id, "socketToken": token})
        assert reply == error("INVALID_SOCKET_TOKEN", IDENTIFY, "Invalid socket token")


def test_replaced_socket_token_stops_working(api, game):
    alias_id, old_token = api.player(game, identifier="same")
    _, new_token = api.player(game, identifier="same")
    sock = api.socket(api.key(game, "read:players"))
    assert sock.request(IDENTIFY, {"playerAliasId": alias_id, "socketToken": old_token}) == error(
        "INVALID_SOCKET_TOKEN", IDENTIFY, "Invalid socket token"
    )
    assert sock.request(IDENTIFY, {"playerAliasId": alias_id, "socketToken": new_token})["res"] == (
        "v1.players.identify.success"
    )


def test_another_games_alias_is_listener_error_with_our_own_cause(api, game):
    """docs/differences.md row 6: a token of game B's alias, presented on a socket of game A."""
    other = api.game()
    alias_id, socket_token = api.player(other)
    sock = api.socket(api.key(game, "read:players"))
    reply = sock.request(IDENTIFY, {"playerAliasId": alias_id, "socketToken": socket_token})
    assert reply == error(
        "LISTENER_ERROR", IDENTIFY, "An error occurred while processing the message", "Player alias not found"
    )
    # ... and the socket is still unidentified.
    assert sock.request("v1.channels.message", {"channel": {"id": 1}, "message": "x"})["data"]["errorCode"] == (
        "NO_PLAYER_FOUND"
    )


def test_heartbeat_echo_is_bare_text(api, game):
    sock = api.socket(api.key(game))
    sock.send("v1.heartbeat")
    assert sock.recv_text() == "v1.heartbeat"


def test_binary_frames_are_processed_as_text(api, game):
    sock = api.socket(api.key(game))
    sock.send(b"v1.heartbeat")
    assert sock.recv_text() == "v1.heartbeat"
    sock.send(b'{"blah":"blah"}')
    assert sock.recv() == error("INVALID_MESSAGE", "unknown", "Invalid message request", '{"blah":"blah"}')
    sock.send(b"\xff\xfe{")  # invalid UTF-8 in a binary frame
    assert sock.recv() == error(ROUTING[0], "unknown", ROUTING[1])
    sock.expect_silence()


def test_invalid_utf8_text_frame_fails_that_socket_only(api, game):
    """A text frame that is not UTF-8 violates RFC 6455: that socket is closed with 1007 (as
    Talo's `ws` does); nothing else is affected."""
    token = api.key(game)
    bystander = api.socket(token)
    sock = api.socket(token)
    with sock.ws.send_context():
        sock.ws.protocol.send_text(b"\xff\xfe")  # the client library would refuse to send this
    assert sock.wait_closed()[0] == 1007
    bystander.expect_silence()
    assert api.socket(token)


def test_one_mib_frame_is_refused_with_1009_and_server_stays_up(api, game):
    """docs/differences.md row 5."""
    token = api.key(game)
    bystander = api.socket(token)
    sock = api.socket(token)
    sock.send("x" * (1024 * 1024))
    assert sock.wait_closed()[0] == 1009
    bystander.expect_silence()


def test_large_frame_under_the_limit_is_answered(api, game):
    sock = api.socket(api.key(game))
    raw = '{"req":"nope","data":{"x":"' + "é" * 20000 + '"}}'
    sock.send(raw)
    assert sock.recv() == error("INVALID_MESSAGE", "unknown", "Invalid message request", raw)


def test_deeply_nested_and_odd_json_never_kills_the_connection(api, game):
    sock = api.socket(api.key(game, "read:players"))
    frames = [
        "[" * 20000 + "]" * 20000,
        '{"req":"v1.players.identify","data":{"playerAliasId":' + "9" * 400 + ',"socketToken":"x"}}',
        '{"req":"v1.players.identify","data":{"playerAliasId":1e400,"socketToken":"x"}}',
        '{"req":"v1.players.identify","data":{"playerAliasId":-1,"socketToken":"\\ud800"}}',
        '{"req":"v1.players.identify","data":{"playerAliasId":' + "[" * 5000 + "]" * 5000 + "}}",
    ]
    for raw in frames:
        sock.send(raw)
        frame = sock.recv()
        assert frame["res"] == "v1.error", frame
        assert "Traceback" not in json.dumps(frame)
    sock.expect_silence()
