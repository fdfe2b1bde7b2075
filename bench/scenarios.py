"""The benchmark scenarios. Each returns a list of result rows (dicts)."""

import asyncio
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import websockets

from bench.receivers import fetch_ticket, open_socket, parse_mark, receiver_main

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A server process under test: ours (`manage.py serve`) or the baseline."""

    def __init__(self, kind, env):
        self.kind = kind
        self.port = free_port()
        if kind == "baseline":
            command = [sys.executable, "-m", "bench.baseline", str(self.port)]
        else:
            command = [sys.executable, "manage.py", "serve", "--server", kind, "--port", str(self.port)]
        self.log = open(f"/tmp/talo-bench-{kind}-{self.port}.log", "w")
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.ps = psutil.Process(self.process.pid)
        self._wait_ready()

    @property
    def ws(self):
        return f"ws://127.0.0.1:{self.port}"

    def _wait_ready(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.kind} exited; see {self.log.name}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.kind} did not start")

    def cpu_seconds(self):
        total = 0.0
        for proc in [self.ps, *self.ps.children(recursive=True)]:
            try:
                times = proc.cpu_times()
                total += times.user + times.system
            except psutil.NoSuchProcess:
                pass
        return total

    def wait_quiet(self, servers_cpu_share=0.05, interval=0.5, timeout=120):
        """Until the server uses under `servers_cpu_share` of a core: the work a scenario's
        setup caused is over before its measurement starts."""
        deadline = time.monotonic() + timeout
        before = self.cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(interval)
            now = self.cpu_seconds()
            if now - before < servers_cpu_share * interval:
                return
            before = now

    def rss(self):
        return self.ps.memory_info().rss

    def stop(self):
        from players.models import PlayerPresence

        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
        # A stopped server leaves the players of its unfinished clean-ups online; the next
        # server's presence sweep would set them offline during its measurement.
        PlayerPresence.objects.filter(online=True).update(online=False)


# --- the game, players and channel a scenario uses (ours) -------------------------------------


class Fixture:
    """Players of one game, each with a socket token, all members of one channel. Written
    straight to the database: a server loads an alias's channels when it identifies."""

    # What a chat client needs; with read:playerPresence every identify would also fan a presence
    # frame out to everyone already there, a storm of its own that the fan-out would measure.
    SCOPES = ("read:players", "read:gameChannels", "write:gameChannels")

    def __init__(self, members, *, channel=True, scopes=SCOPES):
        from game_channels.models import ChannelMembership, GameChannel
        from players import services
        from players.models import Player, PlayerAlias
        from sockets.socket_tokens import issue_socket_token

        self.game = services.get_or_create_game(name=f"bench-{time.time_ns()}")
        self.key, self.token = services.create_access_key(game=self.game, scopes=list(scopes))
        players = Player.objects.bulk_create([Player(game=self.game) for _ in range(members)])
        aliases = PlayerAlias.objects.bulk_create(
            [PlayerAlias(player=p, game=self.game, service="bench", identifier=f"m{i}") for i, p in enumerate(players)]
        )
        self.identities = [(alias.id, issue_socket_token(alias_id=alias.id)) for alias in aliases]
        self.channel_id = None
        if channel:
            game_channel = GameChannel.objects.create(game=self.game, name="bench", owner=aliases[0])
            ChannelMembership.objects.bulk_create([ChannelMembership(channel=game_channel, alias=a) for a in aliases])
            self.channel_id = game_channel.id

    def socket_specs(self, servers, identities):
        """(url, key token, identity) per socket, spread round-robin over servers: each socket
        fetches its ticket right before it connects."""
        return [(f"{servers[i % len(servers)].ws}/", self.token, identity) for i, identity in enumerate(identities)]


# --- receivers ----------------------------------------------------------------------------------


class Receivers:
    # Connecting and identifying costs the server tens of milliseconds of CPU per socket (the
    # database work of an identify): the deadline grows with the number of sockets.
    SECONDS_PER_SOCKET = 0.1

    def __init__(self, specs, processes):
        ctx = multiprocessing.get_context("spawn")
        self.pipes, self.procs = [], []
        for index in range(processes):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=receiver_main, args=(specs[index::processes], child), daemon=True)
            proc.start()
            self.pipes.append(parent)
            self.procs.append(proc)
        self.count = 0
        deadline = time.monotonic() + 120 + self.SECONDS_PER_SOCKET * len(specs)
        try:
            for pipe in self.pipes:
                if not pipe.poll(max(0, deadline - time.monotonic())):
                    raise RuntimeError(f"receivers did not connect {len(specs)} sockets in time")
                status = pipe.recv()
                if status[0] != "ready":
                    raise RuntimeError(f"receiver failed: {status}")
                self.count += status[1]
        except BaseException:
            self.kill()
            raise

    def kill(self):
        for proc in self.procs:
            proc.kill()
            proc.join(5)

    def deliveries(self):
        total = 0
        for pipe in self.pipes:
            pipe.send("count")
        for pipe in self.pipes:
            total += pipe.recv()
        return total

    def wait_drained(self, timeout=60, quiet=1.0):
        """Until no receiver counted anything new for `quiet` seconds (or `timeout`)."""
        deadline = time.monotonic() + timeout
        last = -1
        while time.monotonic() < deadline:
            current = self.deliveries()
            if current == last:
                return
            last = current
            time.sleep(quiet)

    def collect(self):
        results = []
        for pipe in self.pipes:
            pipe.send("stop")
        for pipe in self.pipes:
            results.append(pipe.recv())
        for proc in self.procs:
            proc.join(10)
        return results


# --- fan-out ------------------------------------------------------------------------------------


def message_frame(kind, channel_id, text):
    if kind == "baseline":
        return text
    return json.dumps({"req": "v1.channels.message", "data": {"channel": {"id": channel_id}, "message": text}})


async def drive_senders(kind, sockets, channel_id, *, mode, seconds, rate=None, window=None):
    """Send marked messages for `seconds`. mode "paced": `rate` messages/s in total; mode
    "throughput": each sender keeps window/len(sockets) messages in flight (released by its echo).
    Returns (messages sent, deliveries to the senders, per-message counts, their latencies)."""
    sent = 0
    echoes = []
    received = 0
    per_message = {}
    per_sender = max(1, (window or 1) // len(sockets))
    slots = [asyncio.Semaphore(per_sender) for _ in sockets]
    stop_at = time.monotonic() + seconds

    async def read(index, ws):
        nonlocal received
        try:
            async for text in ws:
                mark = parse_mark(text)
                if mark is None:
                    continue
                received += 1
                per_message[mark[:2]] = per_message.get(mark[:2], 0) + 1
                if mark[0] == index:
                    echoes.append(time.time_ns() - mark[2])
                    if mode == "throughput":
                        slots[index].release()
        except websockets.ConnectionClosed:
            pass

    readers = [asyncio.create_task(read(i, ws)) for i, ws in enumerate(sockets)]

    async def send(index, ws):
        nonlocal sent
        seq = 0
        interval = len(sockets) / rate if mode == "paced" else 0
        # Paced senders are staggered: a steady stream, not bursts of one message per sender.
        next_at = time.monotonic() + (index / rate if mode == "paced" else 0)
        while time.monotonic() < stop_at:
            if mode == "throughput":
                try:
                    await asyncio.wait_for(slots[index].acquire(), 5)
                except asyncio.TimeoutError:
                    pass  # a lost echo must not stall the sender
            else:
                next_at += interval
                delay = next_at - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            await ws.send(message_frame(kind, channel_id, f"#b:{index}:{seq}:{time.time_ns()}#"))
            seq += 1
            sent += 1

    await asyncio.gather(*(send(i, ws) for i, ws in enumerate(sockets)))
    return sent, received, per_message, echoes, readers


def summarise(label, server_kind, members, mode, sent, total_sockets, deliveries, per_message, latencies, cpu, seconds):
    expected = sent * total_sockets
    duplicates = sum(max(0, count - total_sockets) for count in per_message.values())
    latencies_ms = sorted(value / 1e6 for value in latencies) or [0.0]

    def pct(p):
        return latencies_ms[min(len(latencies_ms) - 1, int(p * len(latencies_ms)))]

    return {
        "scenario": label,
        "server": server_kind,
        "members": members,
        "mode": mode,
        "messages": sent,
        "deliveries": deliveries,
        "expected": expected,
        "lost": max(0, expected - deliveries + duplicates),
        "duplicates": duplicates,
        "deliveries_per_s": round(deliveries / seconds),
        "server_cpu_s": round(cpu, 3),
        "cpu_us_per_delivery": round(cpu / deliveries * 1e6, 2) if deliveries else None,
        "p50_ms": round(pct(0.50), 2),
        "p99_ms": round(pct(0.99), 2),
        "max_ms": round(latencies_ms[-1], 2),
    }


def run_fanout(server_kinds, env, members, mode, seconds, *, rate=None, window=None, senders=8, receiver_procs=2):
    rows = []
    for kind in server_kinds:
        servers = [Server(kind, env)]
        try:
            row = _fanout_once(kind, servers, servers, members, mode, seconds, rate, window, senders, receiver_procs)
            rows.append(row)
        finally:
            for server in servers:
                server.stop()
    return rows


def _fanout_once(kind, servers, receiver_servers, members, mode, seconds, rate, window, senders, receiver_procs,
                 label="fan-out"):
    total = members + senders
    if kind == "baseline":
        receiver_specs = [(servers[0].ws, None, None) for _ in range(members)]
        sender_specs = [(servers[0].ws, None, None) for _ in range(senders)]
        channel_id = None
    else:
        fixture = Fixture(total)
        channel_id = fixture.channel_id
        receiver_specs = fixture.socket_specs(receiver_servers, fixture.identities[senders:])
        sender_specs = fixture.socket_specs(servers[:1], fixture.identities[:senders])
    receivers = Receivers(receiver_specs, receiver_procs)
    for server in servers:
        server.wait_quiet()

    async def go():
        async def sender(client, url, token, identity):
            return await open_socket(await fetch_ticket(client, url, token) if token else url, identity)

        async with httpx.AsyncClient(timeout=120) as client:
            sockets = await asyncio.gather(*(sender(client, *spec) for spec in sender_specs))
        # Warm-up, not counted (no mark): the first message loads what a server caches.
        for ws in sockets:
            await ws.send(message_frame(kind, channel_id, "warm-up"))
        await asyncio.sleep(1)
        cpu0 = sum(server.cpu_seconds() for server in servers)
        started = time.monotonic()
        sent, _, sender_counts, echoes, readers = await drive_senders(
            kind, sockets, channel_id, mode=mode, seconds=seconds, rate=rate, window=window
        )
        # Drain: until the receivers stop counting (everything sent has been delivered or lost).
        await asyncio.get_running_loop().run_in_executor(None, receivers.wait_drained)
        elapsed = time.monotonic() - started
        cpu = sum(server.cpu_seconds() for server in servers) - cpu0
        for task in readers:
            task.cancel()
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
        echoed = sum(sender_counts.values())
        return sent, echoed, sender_counts, echoes, cpu, elapsed

    sent, echoed, per_message, echoes, cpu, elapsed = asyncio.run(go())
    results = receivers.collect()
    latencies = list(echoes)
    deliveries = echoed
    closed = []
    for result in results:
        if isinstance(result, tuple):
            raise RuntimeError(f"receiver failed: {result}")
        deliveries += result["deliveries"]
        latencies.extend(result["latencies_ns"])
        closed.extend(result["closed"])
        for key, count in result["per_message"]:
            key = tuple(key)
            per_message[key] = per_message.get(key, 0) + count
    row = summarise(label, kind, members, mode, sent, total, deliveries, per_message, latencies, cpu, elapsed)
    if closed:  # a receiver the server closed during the run explains its losses
        row["receivers_closed"] = {f"{code} {reason}".strip(): closed.count((code, reason)) for code, reason in set(closed)}
    return row


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


# --- scale-out: two processes on one Redis -----------------------------------------------------


def run_scaleout(server_kinds, env, members, seconds, rate, senders=8):
    rows = []
    for kind, processes in ((kind, processes) for kind in server_kinds for processes in (1, 2)):
        servers = [Server(kind, env) for _ in range(processes)]
        try:
            row = _fanout_once(
                kind, servers, servers, members, "paced", seconds, rate, None, senders, 2,
                label=f"scale-out, {processes} process{'es' if processes > 1 else ''}",
            )
            rows.append(row)
        finally:
            for server in servers:
                server.stop()
    return rows


def median(values):
    return statistics.median(values) if values else None


def bench_env(base):
    env = dict(os.environ)
    env.update(base)
    return env
