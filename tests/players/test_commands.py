"""The operator commands as an operator runs them (`manage.py …` in a process of its own, on the
test database): what they print, their exit status, and that a refused command changes nothing.
A CommandError exits 1 with `CommandError: …` on stderr; a usage error exits 2; never a traceback."""

import os

import pytest

from players.models import AccessKey, Game, VerificationKey
from players.secrets import decrypt
from players.services import keys, verification
from tests.servers import manage, serving
from tests.support import api_on, wait_until


def refused(result, message, status=1):
    assert result.returncode == status, (result.stdout, result.stderr)
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    return result


def succeeded(result):
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    return result


def test_create_api_key_says_whether_it_created_the_game(api):
    created = succeeded(manage("create_api_key", "My Game", "read:players"))
    game = Game.objects.get(name="My Game")
    assert created.stdout.splitlines()[0] == f"Created game 'My Game' (id {game.id}): no game had this exact name"
    found = succeeded(manage("create_api_key", "My Game", "*", "--name", "ci"))
    assert found.stdout.splitlines()[0] == f"Using game 'My Game' (id {game.id}), found by its exact name"
    assert AccessKey.objects.get(token_hash=keys.hash_token(found.stdout.splitlines()[-1])).name == "ci"
    typo = succeeded(manage("create_api_key", "My Gmae", "read:players"))
    assert typo.stdout.splitlines()[0].endswith("no game had this exact name (did you mean 'My Game'?)")
    assert Game.objects.count() == 2


def test_create_api_key_refusals_change_nothing(api):
    api.game(name="My Game")
    refused(manage("create_api_key", "My Gmae", "read:players", "--existing"),
            "CommandError: Unknown game 'My Gmae' (did you mean 'My Game'?)")
    refused(manage("create_api_key", "Other", "read:players", "bogus:scope"), "CommandError: Unknown scope(s): bogus:scope")
    refused(manage("create_api_key", " ", "read:players"), "CommandError: A game name is 1 to 255 characters")
    refused(manage("create_api_key", "Other"), "the following arguments are required: scopes", status=2)
    assert list(Game.objects.values_list("name", flat=True)) == ["My Game"]
    assert not AccessKey.objects.exists()


def test_revoke_api_key_by_token_id_or_hint(api):
    game = api.game(name="Keys")
    tokens = [api.key(game, "read:players") for _ in range(3)]
    by_token, by_id, by_hint = (AccessKey.objects.get(token_hash=keys.hash_token(token)) for token in tokens)
    assert succeeded(manage("revoke_api_key", "Keys", tokens[0])).stdout.startswith(f"Revoked access key {by_token.id}")
    succeeded(manage("revoke_api_key", "Keys", str(by_id.id)))
    succeeded(manage("revoke_api_key", "Keys", f"…{by_hint.token_hint}"))
    assert AccessKey.objects.filter(revoked_at__isnull=True).count() == 0
    again = succeeded(manage("revoke_api_key", "Keys", str(by_id.id)))
    assert again.stdout.strip() == f"Access key {by_id.id} was already revoked"


def test_revoke_api_key_refusals_change_nothing(api):
    game = api.game(name="Keys")
    other = api.game(name="Elsewhere")
    first, second = api.key(game, "read:players"), api.key(game, "read:players")
    foreign = AccessKey.objects.get(token_hash=keys.hash_token(api.key(other, "read:players")))
    AccessKey.objects.filter(game=game).update(token_hint="same")
    refused(manage("revoke_api_key", "Keys", "…same"), "Several access keys of game 'Keys' have the hint '…same'")
    refused(manage("revoke_api_key", "Keys", str(foreign.id)), f"Game 'Keys' has no access key with id {foreign.id}")
    refused(manage("revoke_api_key", "Keys", first + "x"), "No access key of game 'Keys' has that token")
    refused(manage("revoke_api_key", "Keys", "zzzz"), "No access key of game 'Keys' has the hint '…zzzz'")
    refused(manage("revoke_api_key", "Kyes", first), "Unknown game 'Kyes' (did you mean 'Keys'?)")
    refused(manage("revoke_api_key", "Keys"), "the following arguments are required: key", status=2)
    assert not AccessKey.objects.filter(revoked_at__isnull=False).exists()
    assert second


def test_list_api_keys(api):
    game = api.game(name="Listed")
    key = AccessKey.objects.get(token_hash=keys.hash_token(api.key(game, "read:players", "write:players")))
    revoked = AccessKey.objects.get(token_hash=keys.hash_token(api.key(game, "*")))
    keys.revoke_access_key(key=revoked)
    lines = succeeded(manage("list_api_keys", "Listed")).stdout.splitlines()
    assert lines[0].split() == ["id", "name", "scopes", "hint", "created", "last", "used", "revoked", "open", "sockets"]
    row = lines[1].split()
    assert row[:5] == [str(key.id), "-", "read:players", "write:players", f"…{key.token_hint}"]
    assert row[-3:-1] == ["never", "no"]
    assert lines[2].split()[:4] == [str(revoked.id), "-", "*", f"…{revoked.token_hint}"]
    assert lines[2].split()[-2] != "no"  # the revocation time
    if os.environ.get("REDIS_URL"):
        assert row[-1] == "0" and lines[-1].startswith("open sockets: on every server process")
    else:
        assert row[-1] == "?" and "without REDIS_URL only the server process knows its sockets" in lines[-1]
    refused(manage("list_api_keys", "Lsited"), "Unknown game 'Lsited' (did you mean 'Listed'?)")
    empty = api.game(name="Empty")
    assert succeeded(manage("list_api_keys", empty.name)).stdout.strip() == "Game 'Empty' has no access keys"


@pytest.mark.redis
def test_list_api_keys_counts_open_sockets_on_every_process(api):
    game = api.game(name="Counted")
    token = api.key(game, "read:players")
    key = AccessKey.objects.get(token_hash=keys.hash_token(token))
    with serving("other", TALO_LIVE_CONNECTIONS_SECONDS=1) as other, api_on(other) as other_api:
        sockets = [other_api.socket(token), other_api.socket(token)]

        def listed():
            row = manage("list_api_keys", "Counted").stdout.splitlines()[1].split()
            return row[-1] == "2" and row

        assert wait_until(listed, timeout=10)[0] == str(key.id)
        assert sockets


def test_set_verify_requests_refusals_change_nothing(api):
    game = api.game(name="Signed")
    verification.add_verification_key(game=game, version="1", secret="first")
    refused(manage("set_verify_requests", "Signed", "on", "", "s3cret"),
            "CommandError: A verification key needs a version and a secret")
    refused(manage("set_verify_requests", "Signed", "on", "1", "second"),
            "CommandError: Verification key version 1 already exists; replacing its secret must be explicit")
    refused(manage("set_verify_requests", "Signed", "on", "2"), "CommandError: Give both VERSION and SECRET, or neither")
    refused(manage("set_verify_requests", "Signed", "maybe"), "invalid choice: 'maybe'", status=2)
    refused(manage("set_verify_requests", "Sigend", "on"), "Unknown game 'Sigend' (did you mean 'Signed'?)")
    game.refresh_from_db()
    assert game.verify_requests is False
    assert decrypt(VerificationKey.objects.get(game=game, version="1").encrypted_secret) == "first"
    assert VerificationKey.objects.count() == 1


def test_set_verify_requests_adds_and_replaces_explicitly(api):
    game = api.game(name="Signed")
    succeeded(manage("set_verify_requests", "Signed", "on", "1", "first"))
    replaced = succeeded(manage("set_verify_requests", "Signed", "on", "1", "second", "--replace"))
    assert replaced.stdout.splitlines() == [
        "Verification key version 1 stored (encrypted)",
        "verifyRequests is on for 'Signed' (open sockets keep their setting)",
    ]
    game.refresh_from_db()
    assert game.verify_requests is True
    assert decrypt(VerificationKey.objects.get(game=game, version="1").encrypted_secret) == "second"


def test_set_live_config_refusals_change_nothing(api):
    game = api.game(name="Configured", props=[{"key": "motd", "value": "hi"}])
    refused(manage("set_live_config", "Configured", "motd"), "CommandError: Expected KEY=VALUE, got 'motd'")
    refused(manage("set_live_config", "Configured", "META_X=1"), "CommandError: props: ")
    refused(manage("set_live_config", "Configurd", "a=1"), "Unknown game 'Configurd' (did you mean 'Configured'?)")
    game.refresh_from_db()
    assert game.props == [{"key": "motd", "value": "hi"}]
    result = succeeded(manage("set_live_config", "Configured", "motd="))
    if not os.environ.get("REDIS_URL"):
        assert "connected clients are NOT told" in result.stderr


def test_serve_help_documents_every_option():
    text = succeeded(manage("serve", "--help")).stdout
    for option, words in (
        ("--host", "address to listen on"),
        ("--port", "TCP port to listen on"),
        ("--server", "the ASGI server"),
        ("--proxy-headers", "trust X-Forwarded-For"),
        ("--access-log", "health probes and /metrics scrapes are never logged"),
    ):
        assert option in text and words in " ".join(text.split()), option
