"""Connection scenarios: a storm of clients connecting and identifying at once, and the memory
each idle identified connection holds."""

import asyncio
import time

import httpx

from bench.fixture import Fixture, Receivers
from bench.receivers import fetch_ticket, open_socket
from bench.servers import Server

# --- connection storm ---------------------------------------------------------------------------


def run_storm(server_kinds, env, clients):
    return [_storm_once(kind, env, clients) for kind in server_kinds]


def _storm_once(kind, env, clients):
    server = Server(kind, env)
    try:
        fixture = Fixture(clients, channel=False, scopes=["*"])

        async def one(client, identity):
            started = time.monotonic()
            ws = await open_socket(await fetch_ticket(client, f"{server.ws}/", fixture.token), identity)
            return ws, time.monotonic() - started

        async def go():
            limits = httpx.Limits(max_connections=200)
            async with httpx.AsyncClient(limits=limits, timeout=120) as client:
                cpu0 = server.cpu_seconds()
                started = time.monotonic()
                results = await asyncio.gather(*(one(client, ident) for ident in fixture.identities), return_exceptions=True)
                wall = time.monotonic() - started
                cpu = server.cpu_seconds() - cpu0
            ok = [r for r in results if not isinstance(r, BaseException)]
            await asyncio.gather(*(ws.close() for ws, _ in ok), return_exceptions=True)
            times = sorted(t for _, t in ok) or [0]
            return {
                "scenario": "connection storm",
                "server": kind,
                "clients": clients,
                "succeeded": len(ok),
                "failed": len(results) - len(ok),
                "wall_s": round(wall, 2),
                "server_cpu_s": round(cpu, 2),
                "p50_connect_ms": round(times[len(times) // 2] * 1000, 1),
                "p99_connect_ms": round(times[min(len(times) - 1, int(len(times) * 0.99))] * 1000, 1),
            }

        return asyncio.run(go())
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
