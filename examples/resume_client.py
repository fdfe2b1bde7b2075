"""A game client that loses no channel message across reconnects (docs/extensions.md §X1.6).

It connects with `offsets=1`, remembers per channel the epoch and the last offset it saw, and
whenever it reconnects — or a live frame shows a gap — asks `v1.channels.history` for what came
after, page by page, dropping what it already has. Needs `pip install httpx websockets`.

    client = ResumingClient("http://127.0.0.1:8000", "ws://127.0.0.1:8000", ACCESS_KEY, alias_id, socket_token)
    client.connect()
    while True:
        try:
            client.pump()               # one frame; channel messages land in client.received
        except ConnectionClosed:
            client.connect()            # new ticket, identify, fill every channel's gap

The access key needs read:players, read:gameChannels and write:gameChannels. A socket token
lasts an hour (docs/socket.md §9.1); a long-running client gets a new one from
`POST /v1/players/socket-token` before reconnecting.
"""

import json

import httpx
from websockets.sync.client import connect

MESSAGE = "v1.channels.message"
HISTORY = "v1.channels.history"


class ResumingClient:
    def __init__(self, api_url, socket_url, access_key, alias_id, socket_token):
        self.http = httpx.Client(base_url=api_url, headers={"Authorization": f"Bearer {access_key}"})
        self.socket_url = socket_url
        self.alias_id = alias_id
        self.socket_token = socket_token
        self.ws = None
        self.positions = {}  # channel id -> (epoch, last offset received)
        self.received = []  # (channel id, offset, message, sender alias id), each message once
        self.incomplete = set()  # channels where history no longer held what was missed
        self._queued = []  # live frames that arrived while waiting for a reply

    def connect(self):
        ticket = self.http.post("/v1/socket-tickets").raise_for_status().json()["ticket"]
        self.ws = connect(f"{self.socket_url}/?ticket={ticket}&offsets=1")
        self._wait_for("v1.connected")
        identify = {"playerAliasId": self.alias_id, "socketToken": self.socket_token}
        self.ws.send(json.dumps({"req": "v1.players.identify", "data": identify}))
        self._wait_for("v1.players.identify.success")
        for channel_id in list(self.positions):
            self._fill(channel_id)
        self._drain_queue()

    def close(self):
        if self.ws is not None:
            self.ws.close()
        self.http.close()

    def pump(self, timeout=None):
        """Read one frame and handle it (a channel message, in order, without duplicates)."""
        self._drain_queue()
        frame = json.loads(self.ws.recv(timeout=timeout))
        if frame["res"] == MESSAGE:
            self._on_live(frame["data"])
        self._drain_queue()

    # --- internals ------------------------------------------------------------------------

    def _wait_for(self, res):
        """The data of the next `res` frame; channel messages read meanwhile are queued."""
        while True:
            frame = json.loads(self.ws.recv(timeout=10))
            if frame["res"] == res:
                return frame["data"]
            if frame["res"] == "v1.error":
                raise RuntimeError(frame["data"])
            if frame["res"] == MESSAGE:
                self._queued.append(frame["data"])

    def _drain_queue(self):
        while self._queued:
            self._on_live(self._queued.pop(0))

    def _on_live(self, data):
        channel_id = data["channel"]["id"]
        epoch, last = self.positions.get(channel_id, (None, None))
        if last is None:  # the first message of a channel: start from here
            self._keep(channel_id, data["epoch"], data["offset"], data["message"], data["playerAlias"])
        elif data["epoch"] == epoch and data["offset"] <= last:
            return  # already had it (history brought it first)
        elif data["epoch"] == epoch and data["offset"] == last + 1:
            self._keep(channel_id, epoch, data["offset"], data["message"], data["playerAlias"])
        else:  # a gap, or the channel's history was lost: history brings this one too
            self._fill(channel_id)

    def _fill(self, channel_id):
        """Ask for everything after the last offset, page by page (docs/extensions.md §X1.3)."""
        while True:
            epoch, last = self.positions[channel_id]
            request = {"channel": {"id": channel_id}, "after": last, "epoch": epoch, "limit": 100}
            self.ws.send(json.dumps({"req": HISTORY, "data": request}))
            reply = self._wait_for(HISTORY)
            if not reply["complete"]:
                self.incomplete.add(channel_id)
            if reply["epoch"] != epoch:  # a new run of offsets: take it from its start
                self.positions[channel_id] = (reply["epoch"], 0)
            for message in reply["messages"]:
                if message["offset"] > self.positions[channel_id][1]:
                    self._keep(channel_id, reply["epoch"], message["offset"], message["message"], message["playerAlias"])
            if self.positions[channel_id][1] >= reply["latestOffset"] or not reply["messages"]:
                return

    def _keep(self, channel_id, epoch, offset, message, sender):
        self.positions[channel_id] = (epoch, offset)
        self.received.append((channel_id, offset, message, sender["id"]))
