"""Issue 12, finding 4: deleting an access key, or its game, closes the key's open sockets (3000) —
at once when the deletion happens in a server (the admin), and by the revocation sweep otherwise
(docs/socket.md §13)."""

import pytest
from django.contrib.auth.models import User

from players.models import AccessKey, Game
from players.services import keys
from tests.servers import serving
from tests.support import api_on


@pytest.fixture(scope="module")
def sweepless_server(django_db_setup):
    # No sweep within the test: a closed socket was closed by the deletion itself.
    with serving("no-sweep", TALO_REVOCATION_SWEEP_SECONDS=3600) as process:
        yield process


@pytest.fixture
def admin_api(transactional_db, sweepless_server):
    with api_on(sweepless_server) as client:
        yield client


def admin_client(api):
    User.objects.create_superuser("admin", "admin@example.com", "pw")
    admin = api.rest()
    admin.get("/admin/login/")
    response = admin.post(
        "/admin/login/?next=/admin/",
        data={"username": "admin", "password": "pw", "csrfmiddlewaretoken": admin.cookies["csrftoken"], "next": "/admin/"},
    )
    assert response.status_code == 302
    return admin


def delete_in_admin(admin, model, pk):
    response = admin.post(
        f"/admin/players/{model}/",
        data={
            "action": "delete_selected",
            "_selected_action": [str(pk)],
            "post": "yes",
            "csrfmiddlewaretoken": admin.cookies["csrftoken"],
        },
    )
    assert response.status_code == 302, response.text


def test_deleting_a_key_in_the_admin_closes_its_sockets_at_once(admin_api):
    game = admin_api.game()
    token, other_token = admin_api.key(game), admin_api.key(game)
    sockets = [admin_api.socket(token) for _ in range(2)]
    other = admin_api.socket(other_token)
    admin = admin_client(admin_api)
    delete_in_admin(admin, "accesskey", AccessKey.objects.get(token_hash=keys.hash_token(token)).id)
    for sock in sockets:
        assert sock.wait_closed(timeout=5) == (3000, "")
    other.expect_silence()  # another key of the same game is untouched
    assert admin_api.rest(token).post("/v1/socket-tickets").status_code == 401


def test_deleting_a_game_in_the_admin_closes_the_sockets_of_its_keys(admin_api):
    game, other_game = admin_api.game(), admin_api.game()
    sockets = [admin_api.socket(admin_api.key(game)) for _ in range(2)]
    other = admin_api.socket(admin_api.key(other_game))
    delete_in_admin(admin_client(admin_api), "game", game.id)
    assert not Game.objects.filter(id=game.id).exists()
    for sock in sockets:
        assert sock.wait_closed(timeout=5) == (3000, "")
    other.expect_silence()


def test_the_sweep_closes_the_sockets_of_a_key_deleted_elsewhere(api):
    """A deletion no server heard of (here: the test process, which reaches the servers only
    through Redis when there is one) is caught by the sweep: a key that no longer exists counts as
    revoked."""
    game = api.game()
    token, other_token = api.key(game), api.key(game)
    sock, other = api.socket(token), api.socket(other_token)
    AccessKey.objects.filter(token_hash=keys.hash_token(token)).delete()
    assert sock.wait_closed(timeout=10) == (3000, "")
    other.expect_silence()
