"""Channel history (docs/extensions.md §X1.5): what keeping it costs a fan-out, and how fast a
client gets it back.

- run_history_fanout: the paced fan-out to N members with history off (TALO_CHANNEL_HISTORY_SIZE=0,
  Talo clients) and on (the default size, every socket opened with `offsets=1`), on fresh server
  processes of the same run, alternating; the contract's bound is on ≤ 1.15× off in server CPU
  per delivery (compared on the medians of the rounds).
- run_history_latency: one identified socket asks `v1.channels.history` for 100 messages held,
  one request at a time; round-trip p50/p99 and server CPU per request.
"""

import asyncio
import json
import statistics
import time

import httpx

from bench.fanout import _fanout_once
from bench.fixture import Fixture
from bench.receivers import fetch_ticket, open_socket
from bench.servers import Server

DEFAULT_SIZE = "100"  # TALO_CHANNEL_HISTORY_SIZE's default
SETTINGS = (("off", "0", ""), ("on", DEFAULT_SIZE, "offsets=1"))


def run_history_fanout(server_kinds, env, members, seconds, rate, rounds):
    rows = []
    for kind in server_kinds:
        cpu = {"off": [], "on": []}
        for _ in range(rounds):
            for setting, size, query in SETTINGS:
                servers = [Server(kind, {**env, "TALO_CHANNEL_HISTORY_SIZE": size})]
                try:
                    row = _fanout_once(
                        kind, servers, servers, members, "paced", seconds, rate, None, 8, 2,
                        label=f"fan-out, history {setting}", query=query,
                    )
                finally:
                    servers[0].stop()
                rows.append(row)
                cpu[setting].append(row["cpu_us_per_delivery"])
        off, on = statistics.median(cpu["off"]), statistics.median(cpu["on"])
        rows.append(
            {
                "scenario": "history cost", "server": kind, "members": members, "rounds": rounds,
                "cpu_us_off": round(off, 2), "cpu_us_on": round(on, 2), "ratio_on_to_off": round(on / off, 3),
            }
        )
    return rows


def run_history_latency(server_kinds, env, held, requests):
    return [_latency_once(kind, env, held, requests) for kind in server_kinds]


def _latency_once(kind, env, held, requests):
    server = Server(kind, env)
    try:
        fixture = Fixture(1)
        channel = {"id": fixture.channel_id}

        async def go():
            async with httpx.AsyncClient(timeout=60) as client:
                ws = await open_socket(await fetch_ticket(client, f"{server.ws}/", fixture.token), fixture.identities[0])
            for number in range(held):
                await ws.send(json.dumps({"req": "v1.channels.message", "data": {"channel": channel, "message": f"m{number}"}}))
            for _ in range(held):
                await ws.recv()
            request = json.dumps({"req": "v1.channels.history", "data": {"channel": channel, "limit": 100}})
            await asyncio.get_running_loop().run_in_executor(None, server.wait_quiet)
            times = []
            cpu0 = server.cpu_seconds()
            for _ in range(requests):
                started = time.perf_counter()
                await ws.send(request)
                reply = json.loads(await ws.recv())
                times.append(time.perf_counter() - started)
                assert reply["res"] == "v1.channels.history" and len(reply["data"]["messages"]) == min(held, 100), reply
            cpu = server.cpu_seconds() - cpu0
            await ws.close()
            return sorted(times), cpu

        times, cpu = asyncio.run(go())
    finally:
        server.stop()
    return {
        "scenario": "history request", "server": kind, "held": held, "requests": requests,
        "p50_ms": round(times[len(times) // 2] * 1000, 2),
        "p99_ms": round(times[min(len(times) - 1, int(len(times) * 0.99))] * 1000, 2),
        "max_ms": round(times[-1] * 1000, 2),
        "cpu_us_per_request": round(cpu / requests * 1e6, 1),
    }
