"""Helpers the tests share: REST and socket clients that talk to a real server process."""

import json
import time
import uuid
from contextlib import contextmanager

import httpx
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from players.services import keys
from players.models import Game

HEARTBEAT = "v1.heartbeat"
PRESENCE_UPDATED = "v1.players.presence.updated"


def wait_until(condition, timeout=5, interval=0.05):
    """Poll until `condition()` is truthy (work the server does after a socket closes); returns it."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result or time.monotonic() > deadline:
            assert result, "condition not met in time"
            return result
        time.sleep(interval)


def error(code, req, message, cause=None):
    """The exact v1.error frame of docs/socket.md §11 (docs/testing-scenarios.md's E(...) shorthand)."""
    data = {"req": req, "message": message, "errorCode": code}
    if cause is not None:
        data["cause"] = cause
    return {"res": "v1.error", "data": data}


class Socket:
    def __init__(self, ws):
        self.ws = ws

    def send(self, frame):
        self.ws.send(frame if isinstance(frame, (str, bytes)) else json.dumps(frame))

    def recv_text(self, timeout=5):
        return self.ws.recv(timeout=timeout)

    def recv(self, timeout=5):
        return json.loads(self.recv_text(timeout))

    def expect(self, res, timeout=5):
        """The next frame must be `res`; returns its data."""
        frame = self.recv(timeout)
        assert frame["res"] == res, frame
        return frame["data"]

    def request(self, req, data):
        self.send({"req": req, "data": data})
        return self.recv()

    def expect_silence(self):
        """Nothing is waiting for this socket: a heartbeat's echo is the very next frame."""
        self.send(HEARTBEAT)
        assert self.recv_text() == HEARTBEAT

    def drain(self):
        """Every frame already sent to this socket (up to a heartbeat's echo), parsed."""
        self.send(HEARTBEAT)
        frames = []
        while (text := self.recv_text()) != HEARTBEAT:
            frames.append(json.loads(text))
        return frames

    def wait_closed(self, timeout=5):
        """Read until the server closes; returns (code, reason)."""
        try:
            while True:
                self.ws.recv(timeout=timeout)
        except ConnectionClosed:
            pass
        return self.ws.close_code, self.ws.close_reason

    def close(self):
        self.ws.close()


class Api:
    """What a test needs to set up games, keys and players, and to talk to `server`."""

    def __init__(self, server):
        self.server = server
        self._clients = []
        self._sockets = []

    def game(self, name=None, **fields):
        return Game.objects.create(name=name or f"game-{uuid.uuid4().hex[:8]}", **fields)

    def key(self, game, *scopes):
        return keys.create_access_key(game=game, scopes=list(scopes))[1]

    def rest(self, token=None, **headers):
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        client = httpx.Client(base_url=self.server.http, headers=headers, timeout=30)
        self._clients.append(client)
        return client

    def identify(self, game, identifier=None, service="username", **headers):
        """REST identify with a full-access key (creates the player); returns the response body."""
        admin = self.key(game, "*")
        response = self.rest(admin).get(
            "/v1/players/identify",
            params={"service": service, "identifier": identifier or uuid.uuid4().hex[:12]},
            headers=headers,
        )
        assert response.status_code == 200, response.text
        return response.json()

    def player(self, game, identifier=None, service="username", **headers):
        """Create (or find) a player over REST identify; returns (alias_id, socket_token)."""
        body = self.identify(game, identifier, service, **headers)
        return body["alias"]["id"], body["socketToken"]

    def ticket(self, token, **headers):
        response = self.rest(token).post("/v1/socket-tickets", headers=headers)
        assert response.status_code == 200, response.text
        return response.json()["ticket"]

    def admin(self, username="admin", password="pw"):
        """An HTTP client logged in to Django admin as a new superuser."""
        from django.contrib.auth.models import User

        User.objects.create_superuser(username, f"{username}@example.com", password)
        client = self.rest()
        client.get("/admin/login/")
        response = client.post(
            "/admin/login/?next=/admin/",
            data={"username": username, "password": password, "csrfmiddlewaretoken": client.cookies["csrftoken"],
                  "next": "/admin/"},
        )
        assert response.status_code == 302, response.text
        return client

    def connect_raw(self, path):
        sock = Socket(connect(self.server.ws + path, open_timeout=10, max_size=None))
        self._sockets.append(sock)
        return sock

    def socket(self, token, path="/", query=""):
        """A connected socket; `query` is more of the URL's query string (`&offsets=1`)."""
        sock = self.connect_raw(f"{path}?ticket={self.ticket(token)}{query}")
        assert sock.recv() == {"res": "v1.connected", "data": {}}
        return sock

    def identified(self, token, alias_id, socket_token, query="", **extra):
        """A socket identified as the alias. A key with read:playerPresence first receives the
        player's own presence message (docs/socket.md §9.1), which this consumes."""
        sock = self.socket(token, query=query)
        frame = sock.request("v1.players.identify", {"playerAliasId": alias_id, "socketToken": socket_token, **extra})
        if frame["res"] == PRESENCE_UPDATED:
            frame = sock.recv()
        assert frame["res"] == "v1.players.identify.success", frame
        return sock

    def close(self):
        for sock in self._sockets:
            try:
                sock.close()
            except Exception:
                pass
        for client in self._clients:
            client.close()


@contextmanager
def api_on(front, *servers):
    """An Api talking to `front`; afterwards every server (front by default) must still be up."""
    client = Api(front)
    try:
        yield client
    finally:
        client.close()
    for server in servers or (front,):
        assert server.alive(), server.read_log()
