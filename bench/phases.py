"""python -m bench.phases [--server daphne|daphne-plain|uvicorn] [--clients 500] [--scopes chat|*]

The connection storm taken apart: the server CPU per client of each step on its own — REST
tickets, then connects with them, then identifies, then closes (until presence settles) — each
measured after the server has gone quiet from the one before. `python -m bench` times the whole
storm; this says which step to work on (docs/architecture.md, "One connection"). Uses the
benchmark's PostgreSQL + Redis on a fresh database."""

import argparse
import asyncio
import json

import httpx


def run(kind, clients, scopes="chat", in_flight=100):
    from bench.setup import set_up

    env = set_up()  # Django is set up from here on
    from bench import scenarios
    from bench.fixture import Fixture
    from bench.receivers import fetch_ticket, identify, open_socket
    from bench.servers import Server
    from players.models import PlayerPresence

    server = Server(kind, scenarios.bench_env(env))
    try:
        fixture = Fixture(clients, channel=False, scopes=list(scenarios.CHAT_SCOPES) if scopes == "chat" else scopes.split(","))
        gate = asyncio.Semaphore(in_flight)
        cpu = {}

        async def measured(name, jobs):
            await asyncio.get_running_loop().run_in_executor(None, server.wait_quiet)
            started = server.cpu_seconds()

            async def gated(job):
                async with gate:
                    return await job

            results = await asyncio.gather(*(gated(job) for job in jobs))
            if name == "close":  # until every player is offline and the clean-ups are done
                online = PlayerPresence.objects.filter(player__game=fixture.game, online=True)
                while await asyncio.to_thread(online.exists):
                    await asyncio.sleep(0.05)
                await asyncio.get_running_loop().run_in_executor(None, server.wait_quiet)
            cpu[name] = server.cpu_seconds() - started
            return results

        async def go():
            limits = httpx.Limits(max_connections=in_flight, max_keepalive_connections=0)
            async with httpx.AsyncClient(limits=limits, timeout=120) as client:
                urls = await measured("ticket", [fetch_ticket(client, f"{server.ws}/", fixture.token) for _ in range(clients)])
            sockets = await measured("connect", [open_socket(url, None) for url in urls])
            await measured("identify", [identify(ws, identity, 120) for ws, identity in zip(sockets, fixture.identities)])
            await measured("close", [ws.close() for ws in sockets])

        asyncio.run(go())
        return {"server": kind, "clients": clients, "scopes": scopes, **{f"{name}_cpu_ms": round(s / clients * 1000, 2) for name, s in cpu.items()}}
    finally:
        server.stop()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.phases")
    parser.add_argument("--server", default="uvicorn")
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--scopes", default="chat", help="the key's scopes: chat (the storm's) or a comma-separated list, e.g. *")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.server, args.clients, args.scopes)))


if __name__ == "__main__":
    main()
