"""The connection storm's in-run floor: what the storm's HTTP and WebSocket traffic costs a server
that does nothing else. uvicorn as `manage.py serve --server uvicorn` runs it (websockets-sansio,
uvloop, no compression), in front of a bare ASGI application: `POST /v1/socket-tickets` answers a
random ticket, a socket is accepted with `v1.connected`, and an identify is answered with an
`identify.success` of the size of ours — no key, no ticket check, no database, no Redis. Our
storm's CPU per connection over the floor's is what our application adds to the transport; like
the fan-out's baseline it is measured in the same run, so the ratio means something on a machine
whose speed changes through the day.

python -m bench.storm_floor PORT"""

import json
import secrets
import sys

import uvicorn

CONNECTED = json.dumps({"res": "v1.connected", "data": {}})
# The shape and size of our reply to a chat client's identify (docs/socket.md §9.1).
IDENTIFIED = json.dumps({"res": "v1.players.identify.success", "data": {
    "id": 1, "service": "username", "identifier": "bench-player-00001", "player": {
        "id": "3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b", "props": [], "devBuild": False,
        "createdAt": "2026-11-30T12:00:00.000Z", "lastSeenAt": "2026-11-30T12:00:00.000Z", "groups": [],
        "presence": {"online": True, "customStatus": "", "playerAlias": None, "updatedAt": "2026-11-30T12:00:00.000Z"},
        "auth": None},
    "lastSeenAt": "2026-11-30T12:00:00.000Z", "createdAt": "2026-11-30T12:00:00.000Z",
    "updatedAt": "2026-11-30T12:00:00.000Z", "displayName": "bench-player-00001"}})


async def application(scope, receive, send):
    if scope["type"] == "http":
        while (await receive()).get("more_body"):
            pass
        body = json.dumps({"ticket": secrets.token_hex(16)}).encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
    elif scope["type"] == "websocket":
        while True:
            event = await receive()
            if event["type"] == "websocket.connect":
                await send({"type": "websocket.accept"})
                await send({"type": "websocket.send", "text": CONNECTED})
            elif event["type"] == "websocket.receive":
                await send({"type": "websocket.send", "text": IDENTIFIED})
            else:
                return


if __name__ == "__main__":
    uvicorn.run(application, host="127.0.0.1", port=int(sys.argv[1]), ws="websockets-sansio", loop="uvloop",
                ws_per_message_deflate=False, log_level="warning", access_log=False, lifespan="off")
