"""A connection storm: 500 sockets connect and identify at once against one daphne on Redis."""

import asyncio
import json

import httpx
import pytest
import websockets

from players.models import Player, PlayerAlias, PlayerPresence
from tests.support import wait_until

STORM = 500


@pytest.mark.redis
def test_500_sockets_connect_and_identify_at_once(api):
    game = api.game()
    token = api.key(game, "read:players")
    aliases = []
    for index in range(STORM):
        player = Player.objects.create(game=game)
        aliases.append(PlayerAlias.objects.create(player=player, game=game, service="username", identifier=f"p{index}"))
    # Socket tokens are issued the way REST identify does; with REDIS_URL the store is shared.
    from players.socket_tokens import issue_socket_token

    tokens = {alias.id: issue_socket_token(alias_id=alias.id) for alias in aliases}
    results = asyncio.run(_storm(api.server, token, tokens))
    failures = [result for result in results if result is not True]
    assert failures == [], failures[:5]
    assert api.server.alive()
    # Every close is cleaned up: the players go offline. (Waiting for it also keeps the clean-ups'
    # writes from racing the test database's teardown, which truncates the tables they write.)
    online = PlayerPresence.objects.filter(player__game=game, online=True)
    wait_until(lambda: not online.exists(), timeout=120, interval=0.2)


async def _storm(server, token, tokens):
    limits = httpx.Limits(max_connections=100)
    async with httpx.AsyncClient(base_url=server.http, limits=limits, timeout=60) as client:
        headers = {"Authorization": f"Bearer {token}"}
        sockets = []
        try:
            return await asyncio.gather(
                *(_connect_and_identify(server, client, headers, alias_id, socket_token, sockets)
                  for alias_id, socket_token in tokens.items()),
                return_exceptions=True,
            )
        finally:
            await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)


async def _connect_and_identify(server, client, headers, alias_id, socket_token, sockets):
    ticket = (await client.post("/v1/socket-tickets", headers=headers)).json()["ticket"]
    ws = await websockets.connect(f"{server.ws}/?ticket={ticket}", open_timeout=60)
    sockets.append(ws)
    if json.loads(await asyncio.wait_for(ws.recv(), 60)) != {"res": "v1.connected", "data": {}}:
        return "no v1.connected"
    await ws.send(json.dumps({"req": "v1.players.identify", "data": {"playerAliasId": alias_id, "socketToken": socket_token}}))
    reply = json.loads(await asyncio.wait_for(ws.recv(), 60))
    if reply["res"] != "v1.players.identify.success" or reply["data"]["id"] != alias_id:
        return reply
    return True
