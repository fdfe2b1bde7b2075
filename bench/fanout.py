"""Fan-out: senders post marked channel messages that every member's socket receives; the
deliveries, losses, duplicates, latencies and server CPU per delivery are measured. Scale-out is
the same measurement over one and two server processes sharing Redis."""

import asyncio
import json
import time

import httpx
import websockets

from bench.fixture import Fixture, Receivers
from bench.harness import median_of
from bench.receivers import fetch_ticket, open_socket, parse_mark
from bench.servers import Server


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


def run_fanout(server_kinds, env, members, mode, seconds, *, rounds=1, rate=None, window=None, senders=8, receiver_procs=2):
    """`rounds` rounds, each measuring every server once in turn: this VM's speed drifts by up to
    2× within minutes, so a server is compared with the baseline measured beside it in the same
    round, and the median of the rounds is reported (median_of_rounds)."""
    measured = {kind: [] for kind in server_kinds}
    for _ in range(rounds):
        for kind in server_kinds:
            servers = [Server(kind, env)]
            try:
                measured[kind].append(_fanout_once(kind, servers, servers, members, mode, seconds, rate, window, senders, receiver_procs))
            finally:
                for server in servers:
                    server.stop()
    return [median_of_rounds(measured[kind], measured.get("baseline")) for kind in server_kinds]


def median_of_rounds(rows, baseline_rows):
    """One row for a server's rounds: the round of median CPU per delivery (its latencies, rates),
    every round's losses and duplicates, and the median of the rounds' ratios to their baseline."""
    cpus = [row["cpu_us_per_delivery"] for row in rows]
    row = dict(median_of(rows, key=lambda r: r["cpu_us_per_delivery"]))
    row.update(rounds=len(rows), lost=sum(r["lost"] for r in rows), duplicates=sum(r["duplicates"] for r in rows),
               cpu_us_per_delivery_rounds=cpus)
    if baseline_rows:
        ratios = [round(ours / base, 2) for ours, base in zip(cpus, (r["cpu_us_per_delivery"] for r in baseline_rows))]
        row.update(cpu_ratio_rounds=ratios, cpu_ratio_to_baseline=median_of(ratios))
    return row


def _fanout_once(kind, servers, receiver_servers, members, mode, seconds, rate, window, senders, receiver_procs,
                 label="fan-out", query=""):
    total = members + senders
    if kind == "baseline":
        receiver_specs = [(servers[0].ws, None, None) for _ in range(members)]
        sender_specs = [(servers[0].ws, None, None) for _ in range(senders)]
        channel_id = None
    else:
        fixture = Fixture(total)
        channel_id = fixture.channel_id
        receiver_specs = fixture.socket_specs(receiver_servers, fixture.identities[senders:], query)
        sender_specs = fixture.socket_specs(servers[:1], fixture.identities[:senders], query)
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
