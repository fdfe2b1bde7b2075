"""Connection scenarios: a storm of clients connecting and identifying at once, a storm of them
closing at once, and the memory each idle identified connection holds."""

import asyncio
import time

import httpx

from bench.fixture import Fixture, Receivers
from bench.harness import median_of
from bench.receivers import fetch_ticket, identify, open_socket
from bench.servers import Server

# --- connection storm ---------------------------------------------------------------------------

CHAT_SCOPES = ("read:players", "write:players", "read:gameChannels", "write:gameChannels")
STORM_IN_FLIGHT = 100  # clients between their REST ticket and their identify at any moment


def run_storm(server_kinds, env, clients, scopes=CHAT_SCOPES, label="chat", rounds=1):
    """`rounds` storms per server, each on a fresh process: the round of median CPU per connection,
    with every round's CPU and wall beside it (one storm's figures vary by ~1.5× on this VM).
    Server "floor" is the in-run floor (bench/storm_floor.py)."""
    rows = []
    for kind in server_kinds:
        measured = [_storm_once(kind, env, clients, scopes, label) for _ in range(rounds)]
        row = dict(median_of(measured, key=lambda r: r["cpu_ms_per_connection"]))
        row.update(rounds=rounds, failed=sum(r["failed"] for r in measured),
                   cpu_ms_rounds=[r["cpu_ms_per_connection"] for r in measured], wall_s_rounds=[r["wall_s"] for r in measured])
        rows.append(row)
    return rows


def _pct(values, p):
    values = sorted(values) or [0]
    return round(values[min(len(values) - 1, int(p * len(values)))] * 1000, 1)


def _storm_once(kind, env, clients, scopes, label):
    """`clients` clients, STORM_IN_FLIGHT at a time, each: REST ticket, connect, identify."""
    server = Server(kind, env)
    try:
        if kind == "floor":  # bench/storm_floor.py: no key, no players
            token, identities = "floor", [(index + 1, "floor") for index in range(clients)]
        else:
            fixture = Fixture(clients, channel=False, scopes=list(scopes))
            token, identities = fixture.token, fixture.identities
        server.wait_quiet()
        gate = asyncio.Semaphore(STORM_IN_FLIGHT)

        async def one(client, identity):
            async with gate:
                started = time.monotonic()
                ws = await open_socket(await fetch_ticket(client, f"{server.ws}/", token), None)
                connected = time.monotonic()
                await identify(ws, identity, 120)
                done = time.monotonic()
            return ws, done - started, done - connected

        async def go():
            limits = httpx.Limits(max_connections=STORM_IN_FLIGHT, max_keepalive_connections=0)
            async with httpx.AsyncClient(limits=limits, timeout=120) as client:
                cpu0 = server.cpu_seconds()
                started = time.monotonic()
                results = await asyncio.gather(*(one(client, ident) for ident in identities), return_exceptions=True)
                wall = time.monotonic() - started
                cpu = server.cpu_seconds() - cpu0
            ok = [r for r in results if not isinstance(r, BaseException)]
            await asyncio.gather(*(ws.close() for ws, _, _ in ok), return_exceptions=True)
            return {
                "scenario": "connection storm",
                "scopes": label,
                "server": kind,
                "clients": clients,
                "succeeded": len(ok),
                "failed": len(results) - len(ok),
                "wall_s": round(wall, 2),
                "server_cpu_s": round(cpu, 2),
                "cpu_ms_per_connection": round(cpu / max(1, len(ok)) * 1000, 2),
                "p50_connect_ms": _pct([t for _, t, _ in ok], 0.5),
                "p99_connect_ms": _pct([t for _, t, _ in ok], 0.99),
                "p50_identify_ms": _pct([t for _, _, t in ok], 0.5),
            }

        return asyncio.run(go())
    finally:
        server.stop()


# --- close storm --------------------------------------------------------------------------------


def run_close_storm(server_kinds, env, clients):
    return [_close_storm_once(kind, env, clients) for kind in server_kinds]


def _close_storm_once(kind, env, clients, receiver_procs=2):
    """`clients` identified sockets close at once (their TCP connections end, as in a network
    blip): the server CPU and the time until every one of their players is offline."""
    from players.models import PlayerPresence

    server = Server(kind, env)
    try:
        fixture = Fixture(clients, channel=False, scopes=CHAT_SCOPES)
        receivers = Receivers(fixture.socket_specs([server], fixture.identities), receiver_procs)
        server.wait_quiet()
        online = PlayerPresence.objects.filter(player__game=fixture.game, online=True)
        held = online.count()
        cpu0 = server.cpu_seconds()
        started = time.monotonic()
        receivers.collect()
        deadline = started + 120
        while online.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        settled = time.monotonic() - started
        server.wait_quiet()
        cpu = server.cpu_seconds() - cpu0
        return {
            "scenario": "close storm",
            "server": kind,
            "clients": held,
            "still_online": online.count(),
            "settled_s": round(settled, 2),
            "server_cpu_s": round(cpu, 2),
            "cpu_ms_per_disconnect": round(cpu / max(1, held) * 1000, 2),
        }
    finally:
        server.stop()


# --- idle connections ---------------------------------------------------------------------------


def run_idle(server_kinds, env, connections):
    return [_idle_once(kind, env, connections) for kind in server_kinds]


def _idle_once(kind, env, connections, receiver_procs=4):
    server = Server(kind, env)
    try:
        fixture = Fixture(connections + 1, channel=False)
        warm = Receivers(fixture.socket_specs([server], fixture.identities[:1]), 1)  # one of everything loaded
        server.wait_quiet()
        rss0 = server.rss()
        receivers = Receivers(fixture.socket_specs([server], fixture.identities[1:]), receiver_procs)
        server.wait_quiet()
        rss1 = server.rss()
        held = receivers.count
        receivers.collect()
        warm.collect()
        return {
            "scenario": "idle identified connections",
            "server": kind,
            "connections": held,
            "rss_before_mib": round(rss0 / 2**20, 1),
            "rss_after_mib": round(rss1 / 2**20, 1),
            "rss_per_connection_kib": round((rss1 - rss0) / held / 1024, 1),
        }
    finally:
        server.stop()
