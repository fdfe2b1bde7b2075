"""Presence, relationship broadcasts and live config pushes across server processes sharing one
Redis (docs/differences.md rows 2 and 8)."""

import pytest

from players import selectors
from players.services import live_config
from players.models import Player, PlayerAliasSubscription
from tests.servers import ServerProcess
from tests.support import PRESENCE_UPDATED, Api

pytestmark = pytest.mark.redis

WATCH = ("read:players", "read:playerPresence")


@pytest.fixture(scope="module")
def second_server(server):
    process = ServerProcess("second", TALO_REVOCATION_SWEEP_SECONDS=1).start()
    yield process
    process.stop()


@pytest.fixture
def api2(transactional_db, second_server):
    client = Api(second_server)
    yield client
    client.close()
    assert second_server.alive(), second_server.read_log()


@pytest.fixture
def game(api):
    return api.game()


def test_presence_crosses_processes_and_waits_for_the_last_connection(api, api2, game):
    body = api.identify(game)
    alias_id = body["alias"]["id"]
    watcher = api.identified(api.key(game, *WATCH), *api.player(game))
    watcher.drain()
    on_first = api.identified(api.key(game, "read:players"), alias_id, body["socketToken"])
    assert watcher.expect(PRESENCE_UPDATED)["meta"]["onlineChanged"] is True
    on_second = api2.identified(api.key(game, "read:players"), alias_id, body["socketToken"])
    assert watcher.expect(PRESENCE_UPDATED)["meta"]["onlineChanged"] is False

    on_first.close()
    on_second.expect_silence()
    watcher.expect_silence()
    assert selectors.get_presence(player=Player.objects.get(id=body["alias"]["player"]["id"])).online

    on_second.close()
    offline = watcher.expect(PRESENCE_UPDATED)
    assert offline["presence"]["online"] is False
    assert offline["presence"]["playerAlias"]["id"] == alias_id


def test_presence_push_from_the_second_process_reaches_the_first(api, api2, game):
    watcher = api.identified(api.key(game, *WATCH), *api.player(game))
    watcher.drain()
    body = api.identify(game)
    api2.identified(api.key(game, "read:players"), body["alias"]["id"], body["socketToken"])
    assert watcher.expect(PRESENCE_UPDATED)["presence"]["playerAlias"]["id"] == body["alias"]["id"]


def test_broadcast_crosses_processes(api, api2, game):
    (sender_id, sender_token), (subscriber_id, subscriber_token) = api.player(game), api.player(game)
    row = PlayerAliasSubscription.objects.create(
        subscriber_id=subscriber_id, subscribed_to_id=sender_id, relationship_type="unidirectional", confirmed=True
    )
    key = api.key(game, "read:players", "read:playerBroadcasts", "write:playerBroadcasts")
    receiver = api2.identified(key, subscriber_id, subscriber_token)
    sender = api.identified(key, sender_id, sender_token)
    sender.send({"req": "v1.player-relationships.broadcast", "data": {"message": "across"}})
    data = receiver.expect("v1.player-relationships.broadcast")
    assert (data["message"], data["playerAlias"]["id"]) == ("across", sender_id)
    sender.expect_silence()
    assert row.id


def test_relationship_and_live_config_pushes_cross_processes(api, api2, game):
    (p1, _), (p2, t2) = api.player(game), api.player(game)
    key = api.key(game, "read:players", "read:playerRelationships", "write:playerRelationships", "read:gameConfig")
    target = api2.identified(key, p2, t2)
    created = api.rest(key, **{"x-talo-alias": str(p1)}).post(
        "/v1/players/relationships", json={"aliasId": p2, "relationshipType": "unidirectional"}
    )
    assert target.expect("v1.player-relationships.subscription-created") == created.json()
    live_config.set_live_config(game=game, props=[{"key": "xpRate", "value": "9"}])
    assert target.expect("v1.live-config.updated") == {"config": [{"key": "xpRate", "value": "9"}]}


def test_a_crashed_process_does_not_leave_its_players_online(api, game):
    """docs/differences.md row 2: the entries of a killed process expire and a surviving process's sweep
    sets its players offline (PRESENCE_TTL shortened to 3 s for both processes here)."""
    doomed = ServerProcess("doomed", TALO_PRESENCE_TTL=3).start()
    survivor = ServerProcess("survivor", TALO_PRESENCE_TTL=3).start()
    try:
        on_doomed, on_survivor = Api(doomed), Api(survivor)
        watcher = on_survivor.identified(api.key(game, *WATCH), *api.player(game))
        body = api.identify(game)
        on_doomed.identified(api.key(game, "read:players"), body["alias"]["id"], body["socketToken"])
        # The online push crosses Redis from the other process: wait for it rather than for an echo.
        while (online := watcher.expect(PRESENCE_UPDATED))["presence"]["playerAlias"]["id"] != body["alias"]["id"]:
            pass
        assert online["presence"]["online"] is True
        doomed.process.kill()
        doomed.process.wait()
        pushed = watcher.expect(PRESENCE_UPDATED, timeout=15)
        assert pushed["presence"]["online"] is False
        assert pushed["presence"]["playerAlias"]["id"] == body["alias"]["id"]
        watcher.expect_silence()
    finally:
        doomed.stop()
        survivor.stop()
