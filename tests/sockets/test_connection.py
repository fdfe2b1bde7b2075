"""docs/testing-scenarios.md A: connection, tickets, revocation — over real sockets against daphne."""

import os
import threading
import uuid

import pytest
from django.core.cache import cache

from players.services import keys
from players.models import AccessKey
from tests.servers import manage

CONNECTED = {"res": "v1.connected", "data": {}}


@pytest.mark.parametrize("path", ["/", "/socket", "/any/path/at/all"])
def test_a1_valid_ticket_first_frame_is_connected(api, path):
    game = api.game()
    token = api.key(game)  # Key[]: no scope is needed for a ticket
    sock = api.connect_raw(f"{path}?ticket={api.ticket(token)}")
    assert sock.recv() == CONNECTED
    sock.expect_silence()


def test_a2_no_ticket_closes_3000(api):
    sock = api.connect_raw("/")
    assert sock.wait_closed() == (3000, "")


@pytest.mark.parametrize(
    "query", ["?ticket=abc123", "?ticket=", "?other=1", "?ticket=" + "x" * 5000], ids=["abc", "empty", "absent", "huge"]
)
def test_a3_unknown_ticket_closes_3000(api, query):
    sock = api.connect_raw("/socket" + query)
    assert sock.wait_closed() == (3000, "")


def test_a4_key_revoked_before_ticket_is_used(api):
    game = api.game()
    token = api.key(game)
    ticket = api.ticket(token)
    keys.revoke_access_key(key=AccessKey.objects.get(game=game))
    sock = api.connect_raw(f"/?ticket={ticket}")
    assert sock.wait_closed() == (3000, "")


def test_ticket_is_single_use(api):
    game = api.game()
    ticket = api.ticket(api.key(game))
    first = api.connect_raw(f"/?ticket={ticket}")
    assert first.recv() == CONNECTED
    second = api.connect_raw(f"/?ticket={ticket}")
    assert second.wait_closed() == (3000, "")
    first.expect_silence()


def test_racing_sockets_on_one_ticket_exactly_one_connects(api):
    """docs/differences.md row 1: Talo let 4 of 8 connect; we let exactly one."""
    game = api.game()
    ticket = api.ticket(api.key(game))
    results = []

    def attempt():
        sock = api.connect_raw(f"/?ticket={ticket}")
        try:
            results.append(sock.recv() == CONNECTED)
        except Exception:
            results.append(False)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]


def test_a5_a6_ticket_response_and_stored_value(api):
    game = api.game()
    token = api.key(game)
    key_id = AccessKey.objects.get(game=game).id
    client = api.rest(token)
    plain = client.post("/v1/socket-tickets", json={"ignored": True})
    dev = client.post("/v1/socket-tickets", headers={"x-talo-dev-build": "1"})
    assert plain.status_code == dev.status_code == 200
    assert list(plain.json()) == ["ticket"]
    assert uuid.UUID(plain.json()["ticket"]).version == 4
    if os.environ.get("REDIS_URL"):
        # The store is shared with the server only through Redis.
        assert cache.get(f"socketTickets.{plain.json()['ticket']}") == f"{key_id}:0"
        assert cache.get(f"socketTickets.{dev.json()['ticket']}") == f"{key_id}:1"
    # Either ticket opens a socket exactly once.
    for ticket in (plain.json()["ticket"], dev.json()["ticket"]):
        assert api.connect_raw(f"/?ticket={ticket}").recv() == CONNECTED


def test_a7_admin_revocation_closes_open_socket(api):
    """Revocation in Django admin (inside the server process) closes the key's sockets at once."""
    game = api.game()
    token = api.key(game)
    other_token = api.key(game)
    sock = api.socket(token)
    other = api.socket(other_token)
    admin = api.admin()
    key = AccessKey.objects.get(token_hash=keys.hash_token(token))
    response = admin.post(
        "/admin/players/accesskey/",
        data={
            "action": "revoke",
            "_selected_action": [str(key.id)],
            "csrfmiddlewaretoken": admin.cookies["csrftoken"],
        },
    )
    assert response.status_code == 302
    assert sock.wait_closed(timeout=3) == (3000, "")
    other.expect_silence()  # another key of the same game is untouched
    assert api.rest(token).post("/v1/socket-tickets").status_code == 401


def test_revoke_api_key_command_closes_sockets(api):
    """docs/differences.md row 10: a command-line revocation reaches the running server — at once over
    Redis, at the next revocation sweep without it (1 s in this suite, 10 s by default)."""
    game = api.game(name="Revoke Me")
    token = api.key(game, "read:players")
    sock = api.socket(token)
    result = manage("revoke_api_key", "Revoke Me", token)
    assert result.returncode == 0, result.stderr
    assert AccessKey.objects.get(game=game).revoked_at is not None
    if not os.environ.get("REDIS_URL"):
        assert "cannot reach a running server" in result.stderr
    assert sock.wait_closed(timeout=5) == (3000, "")
    assert api.rest(token).post("/v1/socket-tickets").json() == {
        "message": "Please provide a valid token in the Authorization header"
    }


def test_operator_commands_refuse_bad_input_and_change_nothing(api):
    game = api.game(name="Known")
    token = api.key(game)
    cases = [
        (("create_api_key", "New Game", "read:players", "bogus:scope"), "Unknown scope"),
        (("revoke_api_key", "No Such Game", token), "Unknown game"),
        (("revoke_api_key", "Known", "tk_1_not-a-real-token"), "No access key"),
    ]
    for args, message in cases:
        result = manage(*args)
        assert result.returncode != 0
        assert message in result.stderr
    assert not AccessKey.objects.filter(revoked_at__isnull=False).exists()
    assert AccessKey.objects.count() == 1
    from players.models import Game

    assert not Game.objects.filter(name="New Game").exists()


def test_create_api_key_command_prints_token_last(api):
    result = manage("create_api_key", "Cmd Game", "read:players", "write:players")
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip().splitlines()[-1]
    key = AccessKey.objects.get(game__name="Cmd Game")
    assert key.scopes == ["read:players", "write:players"]
    assert key.token_hash == keys.hash_token(token) and token not in key.token_hash
    response = api.rest(token).get("/v1/players/identify", params={"service": "username", "identifier": "x"})
    assert response.status_code == 200
    full = manage("create_api_key", "Cmd Game", "*")
    assert AccessKey.objects.get(token_hash=keys.hash_token(full.stdout.strip().splitlines()[-1])).scopes == ["*"]
