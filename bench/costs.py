"""python -m bench.costs [--players 20]

What one connection costs the server, counted rather than timed (the counts do not depend on the
machine's load): database queries and Redis commands of a REST identify (a returning player, two
player groups re-evaluated), a REST ticket, a connect (the ticket's redemption), a socket identify
(token, alias, presence, channel memberships) and the disconnect clean-up, each the same code the server runs, called in this process. Uses the
benchmark's PostgreSQL + Redis (BENCH_DATABASE_URL, BENCH_REDIS_URL) on a fresh database."""

import argparse
import json
import uuid
from contextlib import contextmanager

COUNTS = {"redis": 0, "publishes": 0}


def count_round_trips():
    """Every command (or pipeline) redis-py sends synchronously is one round trip (the cache, the
    live-connection registry), and so is every command sent from the event loop (a ticket's
    redemption, a socket token's check: sockets/pipelining.py); every event published (one PUBLISH
    in a server) is counted apart: here each runs on a loop of its own, whose connection set-up a
    server does not pay."""
    from redis.connection import AbstractConnection

    from sockets import events
    from sockets.pipelining import CommandPipeline

    original = AbstractConnection.send_packed_command
    original_execute = CommandPipeline.execute
    original_send = events._send

    def counted(self, command, check_health=True):
        COUNTS["redis"] += 1
        return original(self, command, check_health)

    async def counted_execute(self, *command):
        COUNTS["redis"] += 1
        return await original_execute(self, *command)

    def counted_send(event):
        COUNTS["publishes"] += 1
        original_send(event)

    AbstractConnection.send_packed_command = counted
    CommandPipeline.execute = counted_execute
    events._send = counted_send


@contextmanager
def counting(totals, name):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    redis_before, publishes_before = COUNTS["redis"], COUNTS["publishes"]
    with CaptureQueriesContext(connection) as queries:
        yield
    entry = totals.setdefault(name, {"queries": 0, "redis": 0, "publishes": 0, "n": 0})
    entry["publishes"] += COUNTS["publishes"] - publishes_before
    entry["sql"] = [query["sql"][:300] for query in queries.captured_queries]
    entry["queries"] += len(queries)
    entry["redis"] += COUNTS["redis"] - redis_before
    entry["n"] += 1


def run(players):
    from types import SimpleNamespace

    from asgiref.sync import async_to_sync

    from django.test import Client

    from game_channels.models import ChannelMembership, GameChannel
    from players import tickets
    from players.models import Player, PlayerAlias, PlayerGroup
    from players.services import identity
    from players.services.keys import create_access_key, get_or_create_game
    from presence import realtime as presence_realtime
    from presence import services as presence_services

    game, _ = get_or_create_game(name=f"costs-{uuid.uuid4().hex[:8]}")
    _, token = create_access_key(game=game, scopes=["*"])
    made = Player.objects.bulk_create([Player(game=game) for _ in range(players)])
    aliases = PlayerAlias.objects.bulk_create(
        [PlayerAlias(player=p, game=game, service="costs", identifier=f"p{i}") for i, p in enumerate(made)]
    )
    channel = GameChannel.objects.create(game=game, name="costs", owner=aliases[0])
    ChannelMembership.objects.bulk_create([ChannelMembership(channel=channel, alias=a) for a in aliases])
    # Two player groups whose rules a REST identify re-evaluates: one every player is in, one none is.
    everyone = {"name": "GT", "field": "createdAt", "operands": ["2000-01-01"], "castType": "DATETIME"}
    PlayerGroup.objects.create(game=game, name="everyone", rules=[everyone])
    PlayerGroup.objects.create(game=game, name="levelled", rules=[{"name": "SET", "field": "props.level", "operands": []}])
    client = Client(HTTP_HOST="127.0.0.1")
    totals = {}
    for rounds in range(2):  # the second round: every player has a presence row already
        for alias in aliases:
            with counting(totals, f"identify (REST, returning player), round {rounds + 1}"):
                params = {"service": "costs", "identifier": alias.identifier}
                response = client.get("/v1/players/identify", params, HTTP_AUTHORIZATION=f"Bearer {token}")
                assert response.status_code == 200, response.content
                socket_token = response.json()["socketToken"]
            with counting(totals, f"ticket (REST), round {rounds + 1}"):
                response = client.post("/v1/socket-tickets", HTTP_AUTHORIZATION=f"Bearer {token}")
            ticket = response.json()["ticket"]
            with counting(totals, f"connect (ticket redemption), round {rounds + 1}"):
                grant = async_to_sync(tickets.redeem_ticket)(ticket)
            connection = SimpleNamespace(grant=grant, connection_id=uuid.uuid4().hex)
            payload = {"playerAliasId": alias.id, "socketToken": socket_token}
            with counting(totals, f"identify, round {rounds + 1}"):
                alias_id = async_to_sync(identity.check_socket_token)(alias_id=alias.id, socket_token=socket_token)
                presence_realtime._identify(connection, alias_id, payload)  # its channel memberships included
            with counting(totals, f"disconnect, round {rounds + 1}"):
                presence_services.connection_closed(
                    game_id=game.id, connection_id=connection.connection_id, aliases_by_player={alias.player_id: alias.id}
                )
    return {
        name: {"queries": v["queries"] / v["n"], "redis": v["redis"] / v["n"], "publishes": v["publishes"] / v["n"], "sql": v["sql"]}
        for name, v in totals.items()
    }


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.costs")
    parser.add_argument("--players", type=int, default=20)
    parser.add_argument("--sql", action="store_true", help="also print the last sample's SQL of each step")
    args = parser.parse_args(argv)
    from bench.setup import set_up

    set_up()
    count_round_trips()
    for name, figures in run(args.players).items():
        sql = figures.pop("sql")
        print(json.dumps({"step": name, **figures}))
        if args.sql:
            print("\n".join(f"    {statement}" for statement in sql))


if __name__ == "__main__":
    main()
