"""Receiver processes: hold many sockets, count every delivered benchmark message and its
latency. They run apart from the server and from the sender, as real clients would."""

import asyncio
import base64
import json
import os
import struct
import time
from urllib.parse import urlsplit

import httpx
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


async def fetch_ticket(client, url, key_token):
    """`url` (a socket URL, its query kept after the ticket: `offsets=1`) with a fresh ticket from
    POST /v1/socket-tickets, fetched right before connecting as a game client does: a ticket
    lives 300 s, less than the setup of 10,000 sockets takes."""
    base, _, query = url.partition("?")
    response = await client.post(
        base.replace("ws://", "http://", 1).rstrip("/") + "/v1/socket-tickets",
        headers={"Authorization": f"Bearer {key_token}"},
    )
    response.raise_for_status()
    return f"{base}?ticket={response.json()['ticket']}" + (f"&{query}" if query else "")


async def open_socket(url, identity, ready_timeout=120):
    """Connect (and identify, for our server). identity = (alias_id, socket_token) or None."""
    ws = await websockets.connect(
        url, open_timeout=ready_timeout, max_size=2**20, ping_interval=None, compression=None
    )
    if identity is not None:
        await identify(ws, identity, ready_timeout)
    return ws


async def identify(sock, identity, timeout):
    """Wait for v1.connected, then identify as identity = (alias_id, socket_token)."""
    assert json.loads(await asyncio.wait_for(sock.recv(), timeout))["res"] == "v1.connected"
    alias_id, token = identity
    await sock.send(json.dumps({"req": "v1.players.identify", "data": {"playerAliasId": alias_id, "socketToken": token}}))
    while True:
        frame = json.loads(await asyncio.wait_for(sock.recv(), timeout))
        if frame["res"] == "v1.players.identify.success":
            return
        if frame["res"] == "v1.error":
            raise RuntimeError(frame)


class LightSocket(asyncio.Protocol):
    """A minimal WebSocket client, so that two receiver processes can keep up with a fan-out to
    a thousand sockets on a two-core machine (a full client library costs several times the CPU
    per frame, and the receivers' CPU is taken from the server under test). It speaks what the
    servers send here: unmasked text frames, pings (answered), close (answered)."""

    def __init__(self, host, port, path):
        self._request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
        self._buffer = bytearray()
        self._upgraded = False
        self._fragments = []
        self._texts = asyncio.Queue()  # until on_text is set: frames awaited by `recv`
        self.on_text = None
        self.transport = None
        self.closed = asyncio.get_running_loop().create_future()  # -> (code, reason)

    def connection_made(self, transport):
        self.transport = transport
        transport.write(self._request)

    def connection_lost(self, exc):
        if not self.closed.done():
            self.closed.set_result((1006, ""))

    def data_received(self, data):
        buffer = self._buffer
        buffer += data
        if not self._upgraded:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            if not buffer.startswith(b"HTTP/1.1 101"):
                self.transport.close()
                return
            del buffer[: end + 4]
            self._upgraded = True
        position = 0
        size = len(buffer)
        while size - position >= 2:
            first, second = buffer[position], buffer[position + 1]
            length, header = second & 0x7F, 2
            if length == 126:
                if size - position < 4:
                    break
                length, header = int.from_bytes(buffer[position + 2 : position + 4], "big"), 4
            elif length == 127:
                if size - position < 10:
                    break
                length, header = int.from_bytes(buffer[position + 2 : position + 10], "big"), 10
            if size - position < header + length:
                break
            payload = bytes(buffer[position + header : position + header + length])
            position += header + length
            self._frame(first & 0x80, first & 0x0F, payload)
        del buffer[:position]

    def _frame(self, fin, opcode, payload):
        if opcode in (1, 0):
            self._fragments.append(payload)
            if fin:
                text = b"".join(self._fragments).decode()
                self._fragments = []
                if self.on_text is not None:
                    self.on_text(text)
                else:
                    self._texts.put_nowait(text)
        elif opcode == 9:
            self._send(0xA, payload)
        elif opcode == 8:
            code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
            if not self.closed.done():
                self.closed.set_result((code, payload[2:].decode(errors="replace")))
            self._send(0x8, payload[:2])
            self.transport.close()

    def _send(self, opcode, payload):
        mask = os.urandom(4)
        length = len(payload)
        if length < 126:
            header = bytes((0x80 | opcode, 0x80 | length))
        elif length < 1 << 16:
            header = struct.pack("!BBH", 0x80 | opcode, 0xFE, length)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 0xFF, length)
        key = (mask * (length // 4 + 1))[:length]
        masked = (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(length, "big")
        self.transport.write(header + mask + masked)

    async def send(self, text):  # the websockets client's signature, for `identify`
        self._send(0x1, text.encode())

    async def recv(self):
        return await self._texts.get()


async def open_light_socket(url, identity, ready_timeout=120):
    """Connect a LightSocket (and identify, for our server)."""
    parts = urlsplit(url)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    loop = asyncio.get_running_loop()
    _, sock = await asyncio.wait_for(
        loop.create_connection(lambda: LightSocket(parts.hostname, parts.port, path), parts.hostname, parts.port),
        ready_timeout,
    )
    if identity is not None:
        await identify(sock, identity, ready_timeout)
    return sock


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

    async def opened(client, url, key_token, identity):
        async with gate:
            if key_token is not None:
                url = await fetch_ticket(client, url, key_token)
            return await open_light_socket(url, identity)

    # A new HTTP connection per ticket: a kept-alive one may be closed by the server just as it is
    # reused (uvicorn closes idle ones after 5 s), which fails the POST.
    limits = httpx.Limits(max_connections=CONNECTING_AT_ONCE, max_keepalive_connections=0)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        sockets = await asyncio.gather(*(opened(client, *spec) for spec in specs))
    for sock in sockets:
        while not sock._texts.empty():  # frames that came with the identify (presence, ...)
            counter.record(sock._texts.get_nowait())
        sock.on_text = counter.record
    loop = asyncio.get_running_loop()
    pipe.send(("ready", len(sockets)))
    while True:
        command = await loop.run_in_executor(None, pipe.recv)
        if command == "count":
            pipe.send(counter.deliveries)
        elif command == "stop":
            # (code, reason) of the sockets the server closed while we held them
            closed = [sock.closed.result() for sock in sockets if sock.closed.done()]
            pipe.send(
                {
                    "sockets": len(sockets),
                    "deliveries": counter.deliveries,
                    "per_message": list(counter.per_message.items()),
                    "latencies_ns": counter.latencies_ns,
                    "closed": closed,
                }
            )
            break
    for sock in sockets:
        sock.transport.close()


def receiver_main(specs, pipe):
    """Process entry: specs = [(url, key token or None, identity or None), ...]; with a key token
    the socket first fetches a ticket with it."""
    try:
        uvloop.run(_hold(specs, pipe))
    except Exception as exc:  # reported to the parent, which fails the scenario
        pipe.send(("error", repr(exc)))
