"""python -m bench.instructions [--server daphne|uvicorn|baseline] [--members 100] [--messages 40] [--root DIR]
python -m bench.instructions --storm 300 [--scopes chat|*] [--server daphne|uvicorn] [--plain] [--root DIR]

Instructions the server executes per fan-out delivery, counted by valgrind's callgrind: a figure
that does not depend on what else the machine runs (wall and CPU times do). The server
(`manage.py serve` of the tree at --root, this one by default) runs under callgrind with
instrumentation off; `members` identified receivers (another process) join one channel; then,
with instrumentation on, a sender posts `messages` channel messages one at a time (each waits for
its own echo) and the count stops once every delivery arrived. Instructions / (messages ×
(members + 1)) is the cost of one delivery, the share of receiving and publishing each message
included. `--plain` runs daphne as `daphne talo_project.asgi:application` instead of `serve`;
`--server baseline` counts the in-run baseline (bench/baseline.py) the same way, so that a ratio
to it needs no timing.

`--storm CLIENTS` counts the connection path instead, step by step as `python -m bench.phases` times
it: CLIENTS REST tickets, then connects with them, identifies, closes (until every player is
offline), 100 at a time; each step's instructions per client. The key has a chat client's scopes,
or with `--scopes '*'` all of them: each identify then pushes presence to every socket identified
before it.

Uses the benchmark's PostgreSQL + Redis settings (BENCH_DATABASE_URL, BENCH_REDIS_URL)."""

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.harness import ROOT, LoopbackProcess, free_port


class CallgrindServer(LoopbackProcess):
    def __init__(self, kind, env, root, plain=False):
        self.port = free_port()
        self.out = tempfile.mktemp(prefix=f"talo-callgrind-{kind}-", suffix=".out")
        if kind == "baseline":
            server = [sys.executable, "-m", "bench.baseline", str(self.port)]
        elif plain:
            server = [str(Path(sys.executable).parent / "daphne"), "-b", "127.0.0.1", "-p", str(self.port),
                      "talo_project.asgi:application"]
        else:
            server = [sys.executable, "manage.py", "serve", "--port", str(self.port), "--server", kind]
        command = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={self.out}", *server]
        self.log = open(f"{self.out}.log", "w")
        self.launch(command, env=env, log=self.log, cwd=root)
        self.wait_listening(600)

    def instrument(self, on):
        subprocess.run(["callgrind_control", "-i", "on" if on else "off", str(self.process.pid)], check=True,
                       stdout=subprocess.DEVNULL)

    def zero(self):
        subprocess.run(["callgrind_control", "-z", str(self.process.pid)], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def dumped(self, name):
        """Dump the counts since the last `zero` as a profile of their own; its total."""
        before = set(Path(self.out).parent.glob(Path(self.out).name + ".*"))
        subprocess.run(["callgrind_control", f"--dump={name}", str(self.process.pid)], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            for path in set(Path(self.out).parent.glob(Path(self.out).name + ".*")) - before:
                if path.suffix == ".log":
                    continue
                totals = [line for line in path.read_text().splitlines() if line.startswith("totals:")]
                if totals:
                    return int(totals[0].split()[1])
            time.sleep(0.5)
        raise RuntimeError(f"no dump of {name}")

    def instructions(self):
        """Stop the server and read the total instruction count (Ir) of its profile."""
        self.stop(timeout=60)
        for line in Path(self.out).read_text().splitlines():
            if line.startswith("totals:"):  # ("summary:" counts from the start, with instrumentation off)
                return int(line.split()[1])
        raise RuntimeError(f"no totals in {self.out}")

    def diagnose(self):
        return f"see {self.log.name}"


async def send_and_wait(url, identity, channel_id, messages):
    from bench.receivers import open_socket

    ws = await open_socket(url, identity)
    for seq in range(messages):
        text = f"#b:0:{seq}:{time.time_ns()}#"
        if channel_id is None:  # the baseline relays the text itself
            await ws.send(text)
        else:
            await ws.send(json.dumps({"req": "v1.channels.message", "data": {"channel": {"id": channel_id}, "message": text}}))
        while text not in await asyncio.wait_for(ws.recv(), 300):
            pass
    await ws.close()


def measure(kind, env, root, members, messages, plain):
    from bench.fixture import Fixture, Receivers
    from bench.receivers import fetch_ticket

    server = CallgrindServer(kind, env, root, plain)
    try:
        if kind == "baseline":
            receivers = Receivers([(server.ws, None, None)] * members, 1)
            identity = channel_id = None

            async def sender_url():
                return server.ws
        else:
            fixture = Fixture(members + 1)
            receivers = Receivers(fixture.socket_specs([server], fixture.identities[1:]), 1)
            identity, channel_id = fixture.identities[0], fixture.channel_id

            async def sender_url():
                async with httpx.AsyncClient(timeout=300) as client:
                    return await fetch_ticket(client, f"{server.ws}/", fixture.token)

        url = asyncio.run(sender_url())
        asyncio.run(send_and_wait(url, identity, channel_id, 1))  # warm-up: caches loaded
        receivers.wait_drained(quiet=2)
        before = receivers.deliveries()
        url = asyncio.run(sender_url())
        server.instrument(True)
        asyncio.run(send_and_wait(url, identity, channel_id, messages))
        deadline = time.monotonic() + 600
        while receivers.deliveries() - before < messages * members and time.monotonic() < deadline:
            time.sleep(0.5)
        server.instrument(False)
        delivered = receivers.deliveries() - before + messages  # the sender's own echoes
        receivers.collect()
        total = server.instructions()
    finally:
        server.stop()
    return {"server": "daphne (plain)" if plain else kind, "members": members, "messages": messages,
            "deliveries": delivered, "instructions": total, "instructions_per_delivery": round(total / delivered)}


def measure_storm(kind, env, root, clients, plain, scopes, in_flight=100):
    from bench.connections import CHAT_SCOPES
    from bench.fixture import Fixture
    from bench.receivers import fetch_ticket, identify, open_socket
    from players.models import PlayerPresence

    server = CallgrindServer(kind, env, root, plain)
    try:
        fixture = Fixture(clients + 1, channel=False, scopes=CHAT_SCOPES if scopes == "chat" else scopes.split(","))
        online = PlayerPresence.objects.filter(player__game=fixture.game, online=True)
        gate = asyncio.Semaphore(in_flight)
        counts = {}

        async def step(name, jobs):
            async def gated(job):
                async with gate:
                    return await job

            server.zero()
            results = await asyncio.gather(*(gated(job) for job in jobs))
            if name == "close":
                deadline = time.monotonic() + 600
                while await asyncio.to_thread(online.exists) and time.monotonic() < deadline:
                    await asyncio.sleep(0.5)
                await asyncio.sleep(5)  # the clean-ups' last writes
            counts[name] = round(server.dumped(name) / clients)
            return results

        async def go():
            limits = httpx.Limits(max_connections=in_flight, max_keepalive_connections=0)
            async with httpx.AsyncClient(limits=limits, timeout=600) as client:
                # warm-up: one client through every step, so that no step pays for a first use
                warm = await open_socket(await fetch_ticket(client, f"{server.ws}/", fixture.token), None)
                await identify(warm, fixture.identities[-1], 600)
                await warm.close()
                server.instrument(True)
                urls = await step("ticket", [fetch_ticket(client, f"{server.ws}/", fixture.token) for _ in range(clients)])
            sockets = await step("connect", [open_socket(url, None, 600) for url in urls])
            await step("identify", [identify(ws, identity, 600) for ws, identity in zip(sockets, fixture.identities)])
            await step("close", [ws.close() for ws in sockets])
            server.instrument(False)

        asyncio.run(go())
    finally:
        server.stop(timeout=60)
    return {"server": "daphne (plain)" if plain else kind, "clients": clients, "scopes": scopes,
            **{f"{name}_instructions": count for name, count in counts.items()},
            "instructions_per_connection": counts["ticket"] + counts["connect"] + counts["identify"]}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.instructions")
    parser.add_argument("--server", default="daphne", choices=["daphne", "uvicorn", "baseline"])
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--messages", type=int, default=40)
    parser.add_argument("--root", default=str(ROOT), help="the source tree whose server is measured")
    parser.add_argument("--storm", type=int, metavar="CLIENTS", help="count the connection path instead (see above)")
    parser.add_argument("--scopes", default="chat", help="with --storm: the key's scopes, chat or a comma-separated list (*)")
    parser.add_argument("--plain", action="store_true", help="daphne started as `daphne talo_project.asgi:application`")
    args = parser.parse_args(argv)

    from bench.setup import set_up

    env = set_up()
    if args.storm:
        print(json.dumps(measure_storm(args.server, {**os.environ, **env}, args.root, args.storm, args.plain, args.scopes)))
        return
    row = measure(args.server, {**os.environ, **env}, args.root, args.members, args.messages, args.plain)
    print(json.dumps(row))


if __name__ == "__main__":
    main()
