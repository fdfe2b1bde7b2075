"""The in-run baseline: a minimal broadcast server (websockets.broadcast on uvloop) that relays
every text frame it receives to every connected socket. Every benchmark run measures it beside us.

python -m bench.baseline PORT"""

import asyncio
import sys

import uvloop
import websockets
from websockets.asyncio.server import broadcast, serve

CONNECTED = set()


async def handler(ws):
    CONNECTED.add(ws)
    try:
        async for message in ws:
            broadcast(CONNECTED, message)
    except websockets.ConnectionClosed:
        pass
    finally:
        CONNECTED.discard(ws)


async def main(port):
    # No per-message compression: the plain loop (Talo's `ws` does not compress either).
    async with serve(handler, "127.0.0.1", port, max_size=2**16, ping_interval=30, ping_timeout=30, compression=None):
        print("ready", flush=True)
        await asyncio.get_running_loop().create_future()


if __name__ == "__main__":
    uvloop.run(main(int(sys.argv[1])))
