"""Django admin's live view (README "Live view"), over real HTTP: online players and open
connections of a game, disconnecting one connection or a player (close 4000 DISCONNECTED) — in
one process, and across processes through Redis. Also the player and channel lists."""

import re

import pytest

from players.models import Player
from tests.servers import serving
from tests.support import api_on, wait_until

DISCONNECTED = (4000, "DISCONNECTED")


def text(html):
    """The words of an HTML fragment, one space apart."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def live_page(admin, game):
    response = admin.get(f"/admin/presence/livegame/{game.id}/change/")
    assert response.status_code == 200, response.text
    return response.text


def connection_rows(page):
    """{connection id: the row's text} of the connections table."""
    table = page.split('id="connections"', 1)[1].split("</table>", 1)[0]
    return {
        match.group(1): f" {text(match.group(2))} "
        for match in re.finditer(r'<tr data-connection="([0-9a-f]+)">(.*?)</tr>', table, re.S)
    }


def post(admin, game, **data):
    response = admin.post(
        f"/admin/presence/livegame/{game.id}/change/", data={**data, "csrfmiddlewaretoken": admin.cookies["csrftoken"]}
    )
    assert response.status_code == 302, response.text


def test_live_view_lists_and_disconnects(api):
    game = api.game(name="Live")
    token = api.key(game, "read:players", "read:playerPresence")
    alias_id, socket_token = api.player(game, "ann")
    ann = api.identified(token, alias_id, socket_token)
    anonymous = api.socket(token)
    ann.send({"req": "v1.made-up", "data": {}})
    ann.recv()
    other_game = api.game()
    api.socket(api.key(other_game, "read:players"))  # not listed: another game's
    admin = api.admin()
    assert 'href="/api/docs"' in admin.get("/admin/").text  # "View site" is a real page
    assert admin.get("/api/docs").status_code == 200

    page = live_page(admin, game)
    rows = connection_rows(page)
    assert len(rows) == 2
    (ann_id, ann_row), (anonymous_id, anonymous_row) = sorted(rows.items(), key=lambda item: "ann" not in item[1])
    assert "username:ann" in ann_row and " yes " in ann_row and "127.0.0.1" in ann_row
    assert " 2 / " in ann_row  # identify + the made-up request
    assert " no " in anonymous_row and "username:" not in anonymous_row
    online = page.split('id="online-players"', 1)[1].split("</table>", 1)[0]
    player = Player.objects.get(aliases__id=alias_id)
    assert str(player.id) in online and "username:ann" in online
    assert "(this one)" in page  # the serving process is listed

    post(admin, game, connection=anonymous_id)
    assert anonymous.wait_closed() == DISCONNECTED
    ann.expect_silence()
    wait_until(lambda: anonymous_id not in connection_rows(live_page(admin, game)))

    second = api.identified(token, alias_id, socket_token)
    post(admin, game, player=str(player.id))
    assert ann.wait_closed() == DISCONNECTED
    assert second.wait_closed() == DISCONNECTED
    wait_until(lambda: not connection_rows(live_page(admin, game)))

    post(admin, game, player="not-a-uuid")  # refused with a message, nothing closed, no 500
    assert "No such player in this game." in live_page(admin, game)


def test_game_list_counts_players_and_connections(api):
    game = api.game(name="Counted")
    token = api.key(game, "read:players")
    alias_id, socket_token = api.player(game, "ann")
    api.identified(token, alias_id, socket_token)
    api.socket(token)
    admin = api.admin()
    listing = admin.get("/admin/presence/livegame/").text
    row = text(listing.split("Counted", 1)[1].split("</tr>", 1)[0]).split()
    assert row == ["1", "2"]  # online players, open connections


def test_player_and_channel_lists_show_names_presence_groups_and_members(api):
    game = api.game(name="Listed")
    token = api.key(game, "*")
    alias_id, socket_token = api.player(game, "ann")
    api.identified(token, alias_id, socket_token)
    client = api.rest(token)
    client.put("/v1/players/presence", json={"customStatus": "in a match"}, headers={"x-talo-alias": str(alias_id)})
    client.post("/v1/game-channels", json={"name": "room"}, headers={"x-talo-alias": str(alias_id)})
    admin = api.admin()
    players = text(admin.get("/admin/players/player/").text)
    assert "username:ann" in players and "online “in a match” since" in players
    channels = text(admin.get("/admin/game_channels/gamechannel/").text)
    assert re.search(r"room Listed username:ann 1 0", channels), channels


@pytest.mark.redis
def test_live_view_across_processes(api):
    """The admin on one process lists and disconnects a socket held by another (through Redis)."""
    game = api.game(name="Spread")
    token = api.key(game, "read:players")
    with serving("holder", TALO_LIVE_CONNECTIONS_SECONDS=1) as holder, api_on(holder) as holder_api:
        alias_id, socket_token = holder_api.player(game, "ann")
        held = holder_api.identified(token, alias_id, socket_token)
        admin = api.admin()

        def listed():
            rows = connection_rows(live_page(admin, game))
            return rows if len(rows) == 1 and "(this one)" not in next(iter(rows.values())) else None

        rows = wait_until(listed, timeout=10)
        (connection_id, row), = rows.items()
        assert "username:ann" in row
        post(admin, game, connection=connection_id)
        assert held.wait_closed() == DISCONNECTED
        assert holder.alive()
        assert "ANOTHER SERVER PROCESS" not in holder.read_log()  # both have Redis: nothing to warn about


def test_a_second_process_without_redis_warns_loudly(api):
    api.socket(api.key(api.game(), "read:players"))  # the suite's server is up and announced
    with serving("lonely", REDIS_URL="", TALO_LIVE_CONNECTIONS_SECONDS=1) as lonely:
        log = wait_until(lambda: "ANOTHER SERVER PROCESS" in lonely.read_log() and lonely.read_log(), timeout=10)
    assert "this one runs without REDIS_URL" in log and "Run ONE process without Redis" in log
