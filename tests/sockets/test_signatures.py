"""docs/testing-scenarios.md H: request signatures (docs/socket.md §8, docs/rest.md §2.6) — rules, socket, REST."""

import base64
import hashlib
import hmac
import json
import random
import subprocess
import sys
import time
import uuid

import pytest

from players.services import verification
from players.models import VerificationKey
from players.signatures import verify_signature
from tests.servers import ROOT, server_env
from tests.support import error

SECRET = "test-verification-key-1"


def now_ms():
    return int(time.time() * 1000)


def sign(json_text, *, secret=SECRET, version="1", rid=None, timestamp=None, header=None):
    if header is None:
        header = json.dumps(
            {
                "rid": rid or uuid.uuid4().hex[:16],
                "payload": hashlib.sha256(json_text.encode()).hexdigest(),
                "timestamp": now_ms() if timestamp is None else timestamp,
            }
        )
    header_b64 = base64.b64encode(header.encode()).decode()
    sig = base64.b64encode(hmac.new(secret.encode(), header_b64.encode(), hashlib.sha256).digest()).decode()
    return f"{version}|{header_b64}.{sig}"


# --- the rules (45–57), on the shared verification function ----------------------------------


@pytest.fixture
def signing_game(db):
    from players.models import Game

    game = Game.objects.create(name=f"signing-{uuid.uuid4().hex[:6]}", verify_requests=True)
    verification.add_verification_key(game=game, version="1", secret=SECRET)
    return game


def check(game, signature, body='{"change":1}', alias_id=None, now=None):
    return verify_signature(
        game_id=game.id,
        alias_id=alias_id or random.randrange(10**9),
        signature=signature,
        payload_text=body,
        now_ms=now,
    )


def test_h45_to_h48_malformed_signatures(signing_game):
    for signature in ["", "no-bar-here", "1|no-dot", "2|" + sign('{"change":1}').split("|", 1)[1], "1|@@@.@@@"]:
        assert not check(signing_game, signature)


def test_h49_valid_and_h50_other_payload(signing_game):
    assert check(signing_game, sign('{"change":1}'))
    assert not check(signing_game, sign('{"change":99}'), body='{"change":1}')


def test_h51_replayed_rid(signing_game):
    signature = sign('{"change":1}')
    assert check(signing_game, signature, alias_id=7_000_001)
    assert not check(signing_game, signature, alias_id=7_000_001)
    assert check(signing_game, sign('{"change":1}'), alias_id=7_000_001)  # a new rid is fine


def test_h52_stale_timestamp_and_h54_wrong_key(signing_game):
    assert not check(signing_game, sign('{"change":1}', timestamp=now_ms() - 301_000))
    assert not check(signing_game, sign('{"change":1}', timestamp=now_ms() + 301_000))
    assert not check(signing_game, sign('{"change":1}', secret="another-key"))


def test_h53_header_not_json(signing_game):
    assert not check(signing_game, sign('{"change":1}', header="not-json"))


def test_h55_to_h57_sliding_window(signing_game):
    alias, now = random.randrange(10**9), now_ms()
    assert check(signing_game, sign("{}", timestamp=now), body="{}", alias_id=alias, now=now)
    assert not check(signing_game, sign("{}", timestamp=now - 61_000), body="{}", alias_id=alias, now=now)
    alias = random.randrange(10**9)
    assert check(signing_game, sign("{}", timestamp=now + 240_000), body="{}", alias_id=alias, now=now)
    assert check(signing_game, sign("{}", timestamp=now), body="{}", alias_id=alias, now=now)  # latest capped to now
    alias = random.randrange(10**9)
    assert check(signing_game, sign("{}", timestamp=now + 50_000), body="{}", alias_id=alias, now=now)
    assert check(signing_game, sign("{}", timestamp=now + 10_000), body="{}", alias_id=alias, now=now)


def test_secrets_are_encrypted_at_rest(signing_game):
    stored = VerificationKey.objects.get(game=signing_game).encrypted_secret
    assert SECRET not in stored


# --- the socket (41–44) ------------------------------------------------------------------------


def _signing_socket(api, verify=True):
    game = api.game(verify_requests=verify)
    verification.add_verification_key(game=game, version="1", secret=SECRET)
    alias_id, socket_token = api.player(game)
    key = api.key(game, "read:players", "read:gameChannels", "write:gameChannels")
    # The identify that identifies a connection is never checked (docs/socket.md §8).
    sock = api.identified(key, alias_id, socket_token)
    return sock, alias_id, socket_token


def test_h41_identified_frame_without_signature(api):
    sock, _, _ = _signing_socket(api)
    reply = sock.request("v1.channels.message", {"channel": {"id": 1}, "message": "x"})
    assert reply == error("INVALID_SIGNATURE", "v1.channels.message", "Invalid signature")


def test_h42_signature_over_another_text(api):
    sock, _, _ = _signing_socket(api)
    frame = '{"req":"v1.channels.message","data":{"channel":{"id":1},"message":"x"}}'
    sock.send(sign(frame.replace("x", "y")) + "\n" + frame)
    assert sock.recv() == error("INVALID_SIGNATURE", "v1.channels.message", "Invalid signature")


def test_h43_valid_signature_is_processed_and_not_replayable(api):
    sock, alias_id, socket_token = _signing_socket(api)
    frame = json.dumps({"req": "v1.players.identify", "data": {"playerAliasId": alias_id, "socketToken": socket_token}})
    signature = sign(frame)
    sock.send(signature + "\n" + frame)
    assert sock.recv()["res"] == "v1.players.identify.success"
    sock.send(signature + "\n" + frame)  # the same rid again
    assert sock.recv() == error("INVALID_SIGNATURE", "v1.players.identify", "Invalid signature")


def test_signature_line_errors_keep_their_order(api):
    sock, _, _ = _signing_socket(api)
    sock.send("sig\n{not json")
    assert sock.recv() == error("ROUTING_ERROR", "unknown", "An error occurred while routing the message")
    sock.send('sig\n{"blah":1}')
    assert sock.recv() == error("INVALID_MESSAGE", "unknown", "Invalid message request", 'sig\n{"blah":1}')
    sock.expect_silence()


def test_h44_unsigned_frames_work_without_verification(api):
    sock, alias_id, socket_token = _signing_socket(api, verify=False)
    reply = sock.request("v1.players.identify", {"playerAliasId": alias_id, "socketToken": socket_token})
    assert reply["res"] == "v1.players.identify.success"
    # A signature line on a game that does not verify is just broken JSON.
    sock.send(sign("{}") + "\n{}")
    assert sock.recv()["data"]["errorCode"] == "ROUTING_ERROR"


def test_open_sockets_keep_their_verify_requests_snapshot(api):
    sock, alias_id, socket_token = _signing_socket(api, verify=False)
    from players.models import Game

    Game.objects.update(verify_requests=True)
    reply = sock.request("v1.players.identify", {"playerAliasId": alias_id, "socketToken": socket_token})
    assert reply["res"] == "v1.players.identify.success"


# --- REST (58–62) ------------------------------------------------------------------------------


def test_h58_to_h62_rest_signatures(api):
    game = api.game(verify_requests=True)
    verification.add_verification_key(game=game, version="1", secret=SECRET)
    alias_id, _ = api.player(game)
    client = api.rest(api.key(game, "*"))
    alias = {"x-talo-alias": str(alias_id)}
    unauthorized = (401, {"message": "Unauthorized"})

    response = client.post("/v1/players/socket-token", headers=alias)  # 58: no signature
    assert (response.status_code, response.json()) == unauthorized
    assert client.post("/v1/socket-tickets").status_code == 200  # 59: no alias, no signature needed
    assert client.get("/v1/players/identify", params={"service": "username", "identifier": "x"}, headers=alias).status_code == 200  # 60
    body = '{"anything":true}'
    signature = sign(body)
    headers = {**alias, "x-talo-signature": signature, "content-type": "application/json"}
    assert client.post("/v1/players/socket-token", content=body, headers=headers).status_code == 200  # 62
    response = client.post("/v1/players/socket-token", content=body, headers=headers)  # replay
    assert (response.status_code, response.json()) == unauthorized
    other = {**alias, "x-talo-signature": sign('{"other":1}'), "content-type": "application/json"}
    assert client.post("/v1/players/socket-token", content=body, headers=other).status_code == 401
    empty = {**alias, "x-talo-signature": sign("")}
    assert client.post("/v1/players/socket-token", headers=empty).status_code == 200  # empty body: hash of ""

    unsigned = api.game(verify_requests=False)  # 61
    other_alias, _ = api.player(unsigned)
    response = api.rest(api.key(unsigned, "*")).post("/v1/players/socket-token", headers={"x-talo-alias": str(other_alias)})
    assert response.status_code == 200


def test_set_verify_requests_command(api):
    game = api.game(name="Signed Game")
    result = subprocess.run(
        [sys.executable, "manage.py", "set_verify_requests", "Signed Game", "on", "2", "s3cret"],
        cwd=ROOT, env=server_env(), capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    game.refresh_from_db()
    assert game.verify_requests is True
    assert VerificationKey.objects.get(game=game, version="2").encrypted_secret != "s3cret"
    for args in (["Nope", "on"], ["Signed Game", "maybe"], ["Signed Game", "off", "only-version"]):
        bad = subprocess.run(
            [sys.executable, "manage.py", "set_verify_requests", *args],
            cwd=ROOT, env=server_env(), capture_output=True, text=True, timeout=60,
        )
        assert bad.returncode != 0
    game.refresh_from_db()
    assert game.verify_requests is True
