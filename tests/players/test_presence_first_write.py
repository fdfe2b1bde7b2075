"""A player's first presence, written by the first of its identifies (docs/socket.md §9.1, §12):
on PostgreSQL one statement sets the presence online, creating the row when the player has none,
and reads the alias's channels (presence/services.py)."""

import psycopg
import pytest
from django.db import connection

from players.models import PlayerAlias, PlayerPresence
from tests.support import PRESENCE_UPDATED, wait_until

IDENTIFY = "v1.players.identify"
WATCH = ("read:players", "read:playerPresence")


def test_sockets_of_a_new_player_identifying_at_once_all_count(api):
    """The first presence of a player is created by whichever identify comes first; the others,
    at the same moment, find it (on PostgreSQL one statement inserts it or, when a concurrent
    insert won, runs again). All are answered, exactly one presence message says the player came
    online, and the player goes offline only when the last socket closes."""
    game = api.game()
    watcher = api.identified(api.key(game, *WATCH), *api.player(game))
    alias_id, socket_token = api.player(game)
    player_id = PlayerAlias.objects.get(id=alias_id).player_id
    assert not PlayerPresence.objects.filter(player_id=player_id).exists()
    token = api.key(game, "read:players")
    sockets = [api.socket(token) for _ in range(12)]
    for sock in sockets:  # all sent before any answer is read
        sock.send({"req": IDENTIFY, "data": {"playerAliasId": alias_id, "socketToken": socket_token}})
    assert [sock.recv()["res"] for sock in sockets] == ["v1.players.identify.success"] * 12
    changes = [watcher.expect(PRESENCE_UPDATED)["meta"]["onlineChanged"] for _ in sockets]
    assert sorted(changes) == [False] * 11 + [True]
    presence = PlayerPresence.objects.get(player_id=player_id)
    assert presence.online and presence.player_alias_id == alias_id
    for sock in sockets[:-1]:
        sock.close()
    sockets[-1].expect_silence()  # the server has seen the closes by now …
    watcher.expect_silence()  # … and told nobody: the player is still online
    assert PlayerPresence.objects.get(player_id=player_id).online
    sockets[-1].close()
    assert watcher.expect(PRESENCE_UPDATED)["presence"]["online"] is False


@pytest.mark.postgres
def test_an_identify_racing_the_first_presence_write_finds_it(api):
    """A first presence of the player created by another transaction while an identify creates
    it too: the identify waits for that transaction, then sets the row it wrote online (its custom
    status kept) instead of failing."""
    game = api.game()
    watcher = api.identified(api.key(game, *WATCH), *api.player(game))
    alias_id, socket_token = api.player(game)
    player_id = PlayerAlias.objects.get(id=alias_id).player_id
    db = connection.settings_dict
    sock = api.socket(api.key(game, "read:players"))
    with psycopg.connect(host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"] or None, dbname=db["NAME"]) as other:
        other.execute(
            "INSERT INTO players_playerpresence (player_id, online, custom_status, updated_at) VALUES (%s, false, 'away', now())",
            [player_id],
        )
        sock.send({"req": IDENTIFY, "data": {"playerAliasId": alias_id, "socketToken": socket_token}})
        with psycopg.connect(host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"] or None, dbname=db["NAME"]) as probe:
            wait_until(  # the identify's insert waits for this transaction
                lambda: probe.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'", [db["NAME"]]
                ).fetchone()[0]
                == 1
            )
        other.commit()
    assert sock.recv()["res"] == "v1.players.identify.success"
    presence = watcher.expect(PRESENCE_UPDATED)
    assert presence["meta"]["onlineChanged"] is True
    assert presence["presence"]["online"] is True and presence["presence"]["customStatus"] == "away"
