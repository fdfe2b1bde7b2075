"""docs/testing-scenarios.md N: live config over REST, pushed from Django admin and the operator command
(docs/rest.md §9, docs/socket.md §10.12, docs/differences.md operator commands)."""

import json
import os
import re
import subprocess
import sys

import pytest
from django.contrib.auth.models import User

from players.services import live_config
from players.models import Game
from tests.servers import ROOT, server_env

UPDATED = "v1.live-config.updated"
META_MESSAGE = "Prop keys starting with 'META_' are reserved for internal systems, please use another key name"


@pytest.fixture
def game(api):
    return api.game(props=[{"key": "xpRate", "value": "1"}, {"key": "META_PREV_NAME", "value": "old"}, {"key": "motd", "value": "hi"}])


def test_n229_n231_get_config_without_meta_keys(api, game):
    client = api.rest(api.key(game, "read:gameConfig"))
    for path in ("/v1/game-config", "/v1/game-config/"):
        response = client.get(path)
        assert response.status_code == 200, response.text
        assert response.json() == {"config": [{"key": "xpRate", "value": "1"}, {"key": "motd", "value": "hi"}]}


def test_n230_get_config_needs_the_scope(api, game):
    response = api.rest(api.key(game)).get("/v1/game-config")
    assert (response.status_code, response.json()) == (403, {"message": "Missing access key scope(s): read:gameConfig"})


class AdminClient:
    """Django admin over HTTP on the running server: the admin runs inside the server process."""

    def __init__(self, api):
        User.objects.create_superuser("admin", "admin@example.com", "pw")
        self.client = api.rest()
        page = self.client.get("/admin/login/")
        response = self.client.post(
            "/admin/login/",
            data={"username": "admin", "password": "pw", "csrfmiddlewaretoken": self._csrf(page.text), "next": "/admin/"},
        )
        assert response.status_code == 302, response.text

    @staticmethod
    def _csrf(html):
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    def save_game(self, game, live_config):
        path = f"/admin/players/game/{game.id}/change/"
        page = self.client.get(path)
        data = {
            "csrfmiddlewaretoken": self._csrf(page.text),
            "name": game.name,
            "display_name_prop_key": game.display_name_prop_key,
            "live_config": live_config,
            # the (empty) verification keys inline
            "verification_keys-TOTAL_FORMS": "0",
            "verification_keys-INITIAL_FORMS": "0",
        }
        return self.client.post(path, data=data)


def test_n232_n233_n234_admin_edits_push_to_every_read_game_config_connection(api, game):
    """One test for every admin step: the server process caches content-type ids (the admin log
    needs them) and each test's database flush recreates them with new ids."""
    other_game = api.game(props=[{"key": "xpRate", "value": "1"}])
    identified = api.identified(api.key(game, "read:players", "read:gameConfig"), *api.player(game))
    unidentified = api.socket(api.key(game, "read:gameConfig"))
    blind = api.identified(api.key(game, "read:players"), *api.player(game))
    elsewhere = api.socket(api.key(other_game, "read:gameConfig"))
    for sock in (identified, blind):
        sock.drain()
    admin = AdminClient(api)

    # n232, n233: xpRate 1 -> 2.
    response = admin.save_game(game, "xpRate=2\nmotd=hi")
    assert response.status_code == 302, response.text[:2000]
    expected = {"config": [{"key": "xpRate", "value": "2"}, {"key": "motd", "value": "hi"}]}
    assert identified.expect(UPDATED) == expected
    assert unidentified.expect(UPDATED) == expected
    for silent in (identified, unidentified, blind, elsewhere):
        silent.expect_silence()
    game.refresh_from_db()
    # META_ keys are kept, and are never shown in the admin's config text.
    assert game.props == [
        {"key": "xpRate", "value": "2"},
        {"key": "META_PREV_NAME", "value": "old"},
        {"key": "motd", "value": "hi"},
    ]

    # Removing a line deletes the key.
    assert admin.save_game(game, "xpRate=2").status_code == 302
    assert unidentified.expect(UPDATED) == {"config": [{"key": "xpRate", "value": "2"}]}

    # n234: reserved keys and long values are refused; nothing is saved or pushed.
    response = admin.save_game(game, "META_X=1")
    assert response.status_code == 200 and "reserved for internal systems" in response.text
    response = admin.save_game(game, "big=" + "x" * 4097)
    assert response.status_code == 200 and "Prop value length (4097) exceeds 4096 characters" in response.text
    unidentified.expect_silence()
    assert Game.objects.get(id=game.id).props == [
        {"key": "xpRate", "value": "2"},
        {"key": "META_PREV_NAME", "value": "old"},
    ]


def test_n234_set_live_config_service_rules(api, game):
    with pytest.raises(live_config.LiveConfigInvalid) as raised:
        live_config.set_live_config(game=game, props=[{"key": "META_X", "value": "1"}])
    assert raised.value.errors == {"props": [META_MESSAGE]}
    with pytest.raises(live_config.LiveConfigInvalid) as raised:
        live_config.set_live_config(game=game, props=[{"key": "big", "value": "x" * 4097}])
    assert raised.value.errors == {"props": ["Prop value length (4097) exceeds 4096 characters"]}
    live_config.set_live_config(game=game, props=[{"key": "big", "value": "x" * 4096}, {"key": "motd", "value": None}])
    game.refresh_from_db()
    assert [prop["key"] for prop in game.props] == ["xpRate", "META_PREV_NAME", "big"]


def run_command(*args):
    return subprocess.run(
        [sys.executable, "manage.py", "set_live_config", *args],
        cwd=ROOT,
        env=server_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_set_live_config_command_merges_deletes_and_prints(api, game):
    result = run_command(game.name, "xpRate=3", "motd=", "newKey=a=b")
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout.strip().splitlines()[-1])
    assert printed == [{"key": "xpRate", "value": "3"}, {"key": "newKey", "value": "a=b"}]
    game.refresh_from_db()
    assert game.props[1] == {"key": "META_PREV_NAME", "value": "old"}
    if not os.environ.get("REDIS_URL"):
        assert "No REDIS_URL" in result.stderr
    failed = run_command(game.name, "META_X=1")
    assert failed.returncode != 0 and META_MESSAGE in failed.stderr
    assert run_command("no-such-game", "a=1").returncode != 0


@pytest.mark.redis
def test_set_live_config_command_pushes_to_running_servers(api, game):
    sock = api.socket(api.key(game, "read:gameConfig"))
    result = run_command(game.name, "xpRate=5")
    assert result.returncode == 0, result.stderr
    assert "No REDIS_URL" not in result.stderr
    assert sock.expect(UPDATED) == {"config": [{"key": "xpRate", "value": "5"}, {"key": "motd", "value": "hi"}]}
