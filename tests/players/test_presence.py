"""docs/testing-scenarios.md E and L: presence over real sockets and REST (docs/socket.md §3.3, §9.1, §10.9, §12;
docs/rest.md §7; docs/differences.md row 2)."""

import psycopg
import pytest
from django.db import connection

from players.models import PlayerAlias, PlayerPresence
from tests.support import PRESENCE_UPDATED, wait_until

IDENTIFY = "v1.players.identify"
WATCH = ("read:players", "read:playerPresence")


@pytest.fixture
def game(api):
    return api.game()


def presence_of(api, game, player_id):
    response = api.rest(api.key(game, "read:playerPresence")).get(f"/v1/players/presence/{player_id}")
    assert response.status_code == 200, response.text
    return response.json()["presence"]


def identify_frames(sock, alias_id, socket_token):
    sock.send({"req": IDENTIFY, "data": {"playerAliasId": alias_id, "socketToken": socket_token}})
    return sock.recv(), sock.recv()


def test_e23_identify_sets_online_and_reaches_itself_before_success(api, game):
    body = api.identify(game)
    alias_id, player_id = body["alias"]["id"], body["alias"]["player"]["id"]
    sock = api.socket(api.key(game, *WATCH))
    first, second = identify_frames(sock, alias_id, body["socketToken"])
    assert first["res"] == PRESENCE_UPDATED
    assert second["res"] == "v1.players.identify.success"
    assert first["data"]["meta"] == {"onlineChanged": True, "customStatusChanged": True}
    presence = first["data"]["presence"]
    assert presence == presence_of(api, game, player_id)
    assert presence["online"] is True and presence["customStatus"] == ""
    assert presence["playerAlias"]["id"] == alias_id
    assert presence["playerAlias"]["player"]["presence"] == {
        "online": True,
        "customStatus": "",
        "updatedAt": presence["updatedAt"],
    }
    # The success payload's player shows the presence just set.
    assert second["data"]["player"]["presence"]["online"] is True
    sock.expect_silence()


def test_identify_without_read_player_presence_gets_only_success(api, game):
    alias_id, socket_token = api.player(game)
    sock = api.socket(api.key(game, "read:players"))
    reply = sock.request(IDENTIFY, {"playerAliasId": alias_id, "socketToken": socket_token})
    assert reply["res"] == "v1.players.identify.success"
    sock.expect_silence()


def test_presence_push_reaches_exactly_the_identified_watchers_of_the_game(api, game):
    other_game = api.game()
    watcher = api.identified(api.key(game, *WATCH), *api.player(game))
    blind = api.identified(api.key(game, "read:players"), *api.player(game))
    unidentified = api.socket(api.key(game, *WATCH))
    elsewhere = api.identified(api.key(other_game, *WATCH), *api.player(other_game))
    for sock in (watcher, blind, unidentified, elsewhere):
        sock.drain()

    body = api.identify(game)
    sock = api.identified(api.key(game, *WATCH), body["alias"]["id"], body["socketToken"])
    pushed = watcher.expect(PRESENCE_UPDATED)
    assert pushed["presence"] == presence_of(api, game, body["alias"]["player"]["id"])
    assert pushed["meta"] == {"onlineChanged": True, "customStatusChanged": True}
    for silent in (blind, unidentified, elsewhere, sock):
        silent.expect_silence()


def test_e24_close_sets_offline_and_tells_the_others(api, game):
    body = api.identify(game)
    alias_id, player_id = body["alias"]["id"], body["alias"]["player"]["id"]
    watcher = api.identified(api.key(game, *WATCH), *api.player(game))
    sock = api.identified(api.key(game, *WATCH), alias_id, body["socketToken"])
    watcher.expect(PRESENCE_UPDATED)
    sock.close()
    pushed = watcher.expect(PRESENCE_UPDATED)
    assert pushed["meta"] == {"onlineChanged": True, "customStatusChanged": True}
    assert pushed["presence"]["online"] is False
    assert pushed["presence"]["playerAlias"]["id"] == alias_id
    assert pushed["presence"] == presence_of(api, game, player_id)
    watcher.expect_silence()


def test_offline_only_when_the_last_identified_connection_closes(api, game):
    body = api.identify(game)
    alias_id, player_id = body["alias"]["id"], body["alias"]["player"]["id"]
    watcher = api.identified(api.key(game, *WATCH), *api.player(game))
    first = api.identified(api.key(game, "read:players"), alias_id, body["socketToken"])
    second = api.identified(api.key(game, "read:players"), alias_id, body["socketToken"])
    assert watcher.expect(PRESENCE_UPDATED)["meta"]["onlineChanged"] is True
    assert watcher.expect(PRESENCE_UPDATED)["meta"]["onlineChanged"] is False
    first.close()
    second.expect_silence()  # the server has seen the close by now …
    watcher.expect_silence()  # … and told nobody: the player is still online
    assert presence_of(api, game, player_id)["online"] is True
    second.close()
    assert watcher.expect(PRESENCE_UPDATED)["presence"]["online"] is False


def test_reidentifying_as_another_alias_keeps_the_previous_player_online(api, game):
    first_body, second_body = api.identify(game), api.identify(game)
    watcher = api.identified(api.key(game, *WATCH), *api.player(game))
    sock = api.identified(api.key(game, "read:players"), first_body["alias"]["id"], first_body["socketToken"])
    watcher.expect(PRESENCE_UPDATED)
    reply = sock.request(IDENTIFY, {"playerAliasId": second_body["alias"]["id"], "socketToken": second_body["socketToken"]})
    assert reply["res"] == "v1.players.identify.success"
    assert watcher.expect(PRESENCE_UPDATED)["presence"]["playerAlias"]["id"] == second_body["alias"]["id"]
    watcher.expect_silence()
    assert presence_of(api, game, first_body["alias"]["player"]["id"])["online"] is True
    # The connection counted for both players: closing it sets both offline.
    sock.close()
    offline = {watcher.expect(PRESENCE_UPDATED)["presence"]["playerAlias"]["id"] for _ in range(2)}
    assert offline == {first_body["alias"]["id"], second_body["alias"]["id"]}


def close_then_wait_for_its_clean_up(api, game, watcher, sock):
    """Close `sock`, then wait until the server has finished cleaning it up: a barrier player's
    socket is closed after it, and clean-ups run one after another in the order their sockets
    closed, so the barrier's offline message is the first thing the watcher hears unless the
    clean-up of `sock` sent something."""
    barrier_alias, barrier_token = api.player(game)
    barrier = api.identified(api.key(game, "read:players"), barrier_alias, barrier_token)
    assert watcher.expect(PRESENCE_UPDATED)["presence"]["playerAlias"]["id"] == barrier_alias
    sock.close()
    barrier.close()
    offline = watcher.expect(PRESENCE_UPDATED)
    assert (offline["presence"]["playerAlias"]["id"], offline["presence"]["online"]) == (barrier_alias, False)
    watcher.expect_silence()


def test_unidentified_close_writes_nothing(api, game):
    watcher = api.identified(api.key(game, *WATCH), *api.player(game))
    close_then_wait_for_its_clean_up(api, game, watcher, api.socket(api.key(game, *WATCH)))


def test_close_of_a_deleted_alias_does_nothing(api, game):
    body = api.identify(game)
    watcher = api.identified(api.key(game, *WATCH), *api.player(game))
    sock = api.identified(api.key(game, "read:players"), body["alias"]["id"], body["socketToken"])
    watcher.expect(PRESENCE_UPDATED)
    from players.models import Player

    Player.objects.filter(id=body["alias"]["player"]["id"]).delete()
    close_then_wait_for_its_clean_up(api, game, watcher, sock)


# --- L. REST -----------------------------------------------------------------------------------


def test_l198_get_presence_of_an_online_player(api, game):
    body = api.identify(game)
    PlayerPresence.objects.create(
        player_id=body["alias"]["player"]["id"],
        player_alias_id=body["alias"]["id"],
        online=True,
        custom_status="Playing game",
    )
    presence = presence_of(api, game, body["alias"]["player"]["id"])
    assert presence["online"] is True
    assert presence["customStatus"] == "Playing game"
    assert presence["playerAlias"]["id"] == body["alias"]["id"]
    assert presence["playerAlias"]["player"]["presence"]["customStatus"] == "Playing game"


def test_l199_player_without_presence_gets_the_default(api, game):
    body = api.identify(game)
    presence = presence_of(api, game, body["alias"]["player"]["id"])
    assert list(presence) == ["playerAlias", "online", "customStatus", "updatedAt"]
    assert presence["playerAlias"] is None
    assert presence["online"] is False and presence["customStatus"] == ""
    assert presence["updatedAt"].endswith("Z")


def test_l200_get_presence_errors(api, game):
    body = api.identify(game)
    player_id = body["alias"]["player"]["id"]
    assert api.rest(api.key(game)).get(f"/v1/players/presence/{player_id}").status_code == 403
    client = api.rest(api.key(game, "read:playerPresence"))
    missing = client.get("/v1/players/presence/8b2ac8b5-6c52-4a9a-9c2e-3e8a4a0f1f55")
    assert (missing.status_code, missing.json()) == (404, {"message": "Player not found"})
    other = api.identify(api.game())["alias"]["player"]["id"]
    assert client.get(f"/v1/players/presence/{other}").json() == {"message": "Player not found"}
    invalid = client.get("/v1/players/presence/not-a-uuid")
    assert (invalid.status_code, invalid.json()) == (400, {"errors": {"id": ["Invalid UUID"]}})


def test_l201_put_presence(api, game):
    body = api.identify(game)
    client = api.rest(api.key(game, "write:playerPresence"), **{"x-talo-alias": str(body["alias"]["id"])})
    response = client.put("/v1/players/presence", json={"online": True, "customStatus": "Playing game"})
    assert response.status_code == 200, response.text
    presence = response.json()["presence"]
    assert (presence["online"], presence["customStatus"]) == (True, "Playing game")
    assert presence["playerAlias"]["id"] == body["alias"]["id"]
    assert presence == presence_of(api, game, body["alias"]["player"]["id"])


def test_l202_put_presence_errors(api, game):
    body = api.identify(game)
    alias = {"x-talo-alias": str(body["alias"]["id"])}
    assert api.rest(api.key(game), **alias).put("/v1/players/presence", json={}).status_code == 403
    unknown = api.rest(api.key(game, "write:playerPresence"), **{"x-talo-alias": "32144"})
    response = unknown.put("/v1/players/presence", json={"online": True})
    assert (response.status_code, response.json()) == (404, {"message": "Player not found"})
    bad = api.rest(api.key(game, "write:playerPresence"), **alias).put("/v1/players/presence", json={"online": "yes"})
    assert (bad.status_code, bad.json()) == (
        400,
        {"errors": {"online": ["Invalid input: expected boolean, received string"]}},
    )
    missing = api.rest(api.key(game, "write:playerPresence")).put("/v1/players/presence", json={})
    assert missing.json() == {"errors": {"x-talo-alias": ["x-talo-alias is missing from the request headers"]}}


def test_l203_put_presence_pushes_with_meta_against_supplied_values(api, game):
    body = api.identify(game)
    alias_id = body["alias"]["id"]
    key = api.key(game, "read:players", "read:playerPresence", "write:playerPresence")
    sock = api.identified(key, alias_id, body["socketToken"])
    blind = api.identified(api.key(game, "read:players"), *api.player(game))
    elsewhere_game = api.game()
    elsewhere = api.identified(api.key(elsewhere_game, *WATCH), *api.player(elsewhere_game))
    sock.drain()
    client = api.rest(key, **{"x-talo-alias": str(alias_id)})

    response = client.put("/v1/players/presence", json={"online": True, "customStatus": "Testing"})
    pushed = sock.expect(PRESENCE_UPDATED)
    assert pushed == {
        "presence": response.json()["presence"],
        "meta": {"onlineChanged": False, "customStatusChanged": True},
    }
    assert pushed["presence"]["playerAlias"]["id"] == alias_id

    # Unsupplied counts as changed; a supplied, equal value does not.
    client.put("/v1/players/presence", json={"customStatus": "Testing"})
    assert sock.expect(PRESENCE_UPDATED)["meta"] == {"onlineChanged": True, "customStatusChanged": False}
    client.put("/v1/players/presence", json={"online": False})
    assert sock.expect(PRESENCE_UPDATED)["meta"] == {"onlineChanged": True, "customStatusChanged": True}
    for silent in (sock, blind, elsewhere):
        silent.expect_silence()


def test_l204_put_only_custom_status_keeps_online(api, game):
    body = api.identify(game)
    client = api.rest(api.key(game, "write:playerPresence"), **{"x-talo-alias": str(body["alias"]["id"])})
    client.put("/v1/players/presence", json={"online": True, "customStatus": "Initial status"})
    presence = client.put("/v1/players/presence", json={"customStatus": "Updated status"}).json()["presence"]
    assert (presence["online"], presence["customStatus"]) == (True, "Updated status")


def test_player_payloads_carry_the_nested_presence(api, game):
    body = api.identify(game)
    assert body["alias"]["player"]["presence"] is None
    client = api.rest(api.key(game, "write:playerPresence"), **{"x-talo-alias": str(body["alias"]["id"])})
    client.put("/v1/players/presence", json={"online": True, "customStatus": "Here"})
    again = api.identify(game, body["alias"]["identifier"])
    assert again["alias"]["player"]["presence"]["customStatus"] == "Here"
    assert list(again["alias"]["player"]["presence"]) == ["online", "customStatus", "updatedAt"]


def test_e25_disconnect_removes_the_alias_from_temporary_membership_channels(api, game):
    from game_channels.models import ChannelMembership, GameChannel
    from game_channels.services import create_channel, join_channel
    from players.models import PlayerAlias

    body = api.identify(game)
    alias = PlayerAlias.objects.get(id=body["alias"]["id"])
    owner = PlayerAlias.objects.get(id=api.identify(game)["alias"]["id"])
    temporary = create_channel(game=game, name="lobby", owner=owner, temporary_membership=True)
    lasting = create_channel(game=game, name="guild", owner=owner)
    join_channel(channel=temporary, alias=alias)
    join_channel(channel=lasting, alias=alias)
    sock = api.identified(api.key(game, "read:players"), alias.id, body["socketToken"])
    sock.close()
    wait_until(lambda: not ChannelMembership.objects.filter(channel=temporary, alias=alias).exists())
    assert ChannelMembership.objects.filter(channel=lasting, alias=alias).exists()
    assert GameChannel.objects.filter(id=temporary.id).exists()  # no auto-cleanup: it stays


def test_e26_auto_cleanup_deletes_the_channel_after_player_left_then_deleted(transactional_db, monkeypatch):
    """docs/socket.md §12: for the sole member of an autoCleanup, temporaryMembership channel, going
    offline produces exactly player-left (reason 1) then deleted for that channel, both before the
    presence message."""
    import json

    from game_channels.models import GameChannel
    from game_channels.services import create_channel
    from players import selectors
    from players.models import Game, Player, PlayerAlias
    from presence import services
    from sockets import events

    published = []
    monkeypatch.setattr(events, "publish", lambda event: published.append(event))
    game = Game.objects.create(name="cleanup")
    alias = PlayerAlias.objects.create(player=Player.objects.create(game=game), game=game, service="u", identifier="a")
    alias = selectors.get_alias(game_id=game.id, alias_id=alias.id)
    channel = create_channel(game=game, name="c", owner=alias, temporary_membership=True, auto_cleanup=True)
    services.update_presence(alias=alias, online=True)
    published.clear()
    services.update_presence(alias=alias, online=False)
    frames = [
        (event["group"], json.loads(event["text"])) for event in published if event["type"] == "frame"
    ]
    channel_frames = [(res["res"], res["data"]) for group, res in frames if group == f"channel.{channel.id}"]
    assert [res for res, _ in channel_frames] == ["v1.channels.player-left", "v1.channels.deleted"]
    assert channel_frames[0][1]["meta"] == {"reason": 1}
    assert channel_frames[0][1]["playerAlias"]["id"] == alias.id
    assert channel_frames[1][1]["channel"]["id"] == channel.id
    assert frames[-1][1]["res"] == "v1.players.presence.updated"
    assert not GameChannel.objects.filter(id=channel.id).exists()


@pytest.mark.postgres
def test_a_clean_up_waiting_on_the_database_holds_up_no_one_else(api, game):
    """Presence clean-ups run on the server's upkeep thread (sockets.hub.run_upkeep), not on the
    thread every connect, identify and REST request waits for: while one is stuck behind a locked
    presence row, another player still connects and identifies, and the stuck one completes once
    the lock goes."""
    watcher = api.identified(api.key(game, *WATCH), *api.player(game))
    leaving_alias, token = api.player(game)
    leaving = api.identified(api.key(game, "read:players"), leaving_alias, token)
    watcher.drain()
    player_id = PlayerAlias.objects.get(id=leaving_alias).player_id
    db = connection.settings_dict

    def connect():  # a connection of its own, beside the test's and the server's
        return psycopg.connect(host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"] or None, dbname=db["NAME"])

    with connect() as lock:
        lock.execute("SELECT 1 FROM players_playerpresence WHERE player_id = %s FOR UPDATE", [player_id])
        leaving.close()
        with connect() as probe:
            wait_until(
                lambda: probe.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'", [db["NAME"]]
                ).fetchone()[0]
            )
        arriving_alias, arriving_token = api.player(game)
        api.identified(api.key(game, "read:players"), arriving_alias, arriving_token)
        arrived = watcher.expect(PRESENCE_UPDATED)
        assert (arrived["presence"]["playerAlias"]["id"], arrived["presence"]["online"]) == (arriving_alias, True)
        watcher.expect_silence()
    left = watcher.expect(PRESENCE_UPDATED)  # the lock is gone: the clean-up finishes
    assert (left["presence"]["playerAlias"]["id"], left["presence"]["online"]) == (leaving_alias, False)
