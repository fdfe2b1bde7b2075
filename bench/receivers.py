"""Receiver processes: hold many sockets, count every delivered benchmark message and its
latency. They run apart from the server and from the sender, as real clients would."""

import asyncio
import json
import time

import uvloop
import websockets

MARK = "#b:"


def parse_mark(text):
    """(sender, seq, sent_ns) from a frame carrying `#b:<sender>:<seq>:<ns>#`, else None."""
    start = text.find(MARK)
    if start < 0:
        return None
    end = text.find("#", start + 3)
    sender, seq, sent = text[start + 3 : end].split(":")
    return int(sender), int(seq), int(sent)


async def open_socket(url, identity, ready_timeout=120):
    """Connect (and identify, for our server). identity = (alias_id, socket_token) or None."""
    ws = await websockets.connect(
        url, open_timeout=ready_timeout, max_size=2**20, ping_interval=None, compression=None
    )
    if identity is not None:
        assert json.loads(await asyncio.wait_for(ws.recv(), ready_timeout))["res"] == "v1.connected"
        alias_id, token = identity
        await ws.send(json.dumps({"req": "v1.players.identify", "data": {"playerAliasId": alias_id, "socketToken": token}}))
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), ready_timeout))
            if frame["res"] == "v1.players.identify.success":
                break
            if frame["res"] == "v1.error":
                raise RuntimeError(frame)
    return ws


class Counter:
    def __init__(self):
        self.deliveries = 0
        self.per_message = {}
        self.latencies_ns = []

    def record(self, text):
        mark = parse_mark(text)
        if mark is None:
            return
        now = time.time_ns()
        self.deliveries += 1
        key = (mark[0], mark[1])
        self.per_message[key] = self.per_message.get(key, 0) + 1
        self.latencies_ns.append(now - mark[2])


CONNECTING_AT_ONCE = 100  # per receiver process: a storm of its own is not what these measure


async def _hold(specs, pipe):
    counter = Counter()
    gate = asyncio.Semaphore(CONNECTING_AT_ONCE)

    async def opened(url, identity):
        async with gate:
            return await open_socket(url, identity)

    sockets = await asyncio.gather(*(opened(url, identity) for url, identity in specs))

    async def read(ws):
        try:
            async for text in ws:
                counter.record(text)
        except websockets.ConnectionClosed:
            pass

    tasks = [asyncio.create_task(read(ws)) for ws in sockets]
    loop = asyncio.get_running_loop()
    pipe.send(("ready", len(sockets)))
    while True:
        command = await loop.run_in_executor(None, pipe.recv)
        if command == "count":
            pipe.send(counter.deliveries)
        elif command == "stop":
            pipe.send(
                {
                    "sockets": len(sockets),
                    "deliveries": counter.deliveries,
                    "per_message": list(counter.per_message.items()),
                    "latencies_ns": counter.latencies_ns,
                }
            )
            break
    for task in tasks:
        task.cancel()
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)


def receiver_main(specs, pipe):
    """Process entry: specs = [(url, identity or None), ...]."""
    try:
        uvloop.run(_hold(specs, pipe))
    except Exception as exc:  # reported to the parent, which fails the scenario
        pipe.send(("error", repr(exc)))
