"""A small world for the game-channel tests: a game, its players, their REST clients and sockets,
and the bystanders every socket-message test proves silent (issue 3: non-members, members
without read:gameChannels, other games' connections)."""

import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from tests.servers import ServerProcess
from tests.support import Api

CHANNEL_SCOPES = ("read:players", "read:gameChannels", "write:gameChannels")


@dataclass
class Player:
    alias_id: int
    socket_token: str


class World:
    def __init__(self, api, **game_fields):
        self.api = api
        self.game = api.game(**game_fields)
        self.token = api.key(self.game, "read:gameChannels", "write:gameChannels")
        self.client = api.rest(self.token)

    def player(self, identifier=None, **headers):
        return Player(*self.api.player(self.game, identifier or uuid.uuid4().hex[:12], **headers))

    def socket(self, player, scopes=CHANNEL_SCOPES, api=None, key=None, query=""):
        """An identified socket of `player` (on `api`'s server, by default the main one); `query`
        is more of the socket URL's query string (`&offsets=1`)."""
        api = api or self.api
        return api.identified(key or api.key(self.game, *scopes), player.alias_id, player.socket_token, query=query)

    def players(self, count):
        """Many players at once (REST identify in parallel)."""
        client = self.api.rest(self.api.key(self.game, "*"))
        prefix = uuid.uuid4().hex[:8]

        def identify(number):
            params = {"service": "username", "identifier": f"{prefix}-{number}"}
            response = client.get("/v1/players/identify", params=params)
            assert response.status_code == 200, response.text
            body = response.json()
            return Player(body["alias"]["id"], body["socketToken"])

        with ThreadPoolExecutor(16) as pool:
            return list(pool.map(identify, range(count)))

    def call(self, method, path, alias=None, **kwargs):
        headers = kwargs.pop("headers", {})
        if alias is not None:
            headers["x-talo-alias"] = str(alias.alias_id if isinstance(alias, Player) else alias)
        return self.client.request(method, "/v1/game-channels" + path, headers=headers, **kwargs)

    def ok(self, method, path, alias=None, status=200, **kwargs):
        response = self.call(method, path, alias, **kwargs)
        assert response.status_code == status, response.text
        return response.json() if status == 200 else None

    def create(self, owner, name="chat", **body):
        return self.ok("POST", "", owner, json={"name": name, **body})["channel"]

    def join(self, channel_id, player):
        return self.ok("POST", f"/{channel_id}/join", player)

    def get(self, channel_id):
        return self.ok("GET", f"/{channel_id}")["channel"]

    def bystanders(self, channel_id):
        """Identified sockets that must never hear about `channel_id` (create them before the
        sockets under test: the deaf member's join is announced): a non-member with every
        channel scope, a member whose key lacks read:gameChannels, and a socket of another game."""
        outsider = self.socket(self.player())
        deaf = self.player()
        self.join(channel_id, deaf)
        deaf_socket = self.socket(deaf, ("read:players", "write:gameChannels"))
        other = World(self.api)
        stranger = other.player()
        other.create(stranger)  # a channel of its own, maybe with the same id elsewhere
        return [outsider, deaf_socket, other.socket(stranger)]


def silent(*sockets):
    for sock in sockets:
        sock.expect_silence()


@pytest.fixture
def world(api):
    return World(api)


@pytest.fixture(scope="module")
def second_server(server):
    """Another server process on the same database (and, with REDIS_URL, the same Redis)."""
    process = ServerProcess("second").start()
    yield process
    process.stop()


@pytest.fixture
def second_api(second_server):
    client = Api(second_server)
    yield client
    client.close()


def socket_servers(api, second_api):
    """The servers socket fan-out tests spread their sockets over: both processes when they
    share Redis, else only the main one (the embedded layer does not cross processes)."""
    return [api, second_api] if os.environ.get("REDIS_URL") else [api]


# --- channel history (docs/extensions.md §X1) --------------------------------------------------

OFFSETS = "&offsets=1"  # the socket URL's opt-in to offsets in v1.channels.message
MESSAGE = "v1.channels.message"
HISTORY = "v1.channels.history"


def send(sock, channel_id, text):
    sock.send({"req": MESSAGE, "data": {"channel": {"id": channel_id}, "message": text}})


def history(sock, channel_id, **fields):
    """A v1.channels.history request; returns the reply's data."""
    sock.send({"req": HISTORY, "data": {"channel": {"id": channel_id}, **fields}})
    return sock.expect(HISTORY)


def chat(world, count, query=""):
    """A channel whose owner sent m1 … m<count> (each echoed back): (owner, channel id, the
    owner's socket)."""
    owner = world.player()
    cid = world.create(owner)["id"]
    sock = world.socket(owner, query=query)
    for number in range(1, count + 1):
        send(sock, cid, f"m{number}")
        sock.expect(MESSAGE)
    return owner, cid, sock


def texts(reply):
    return [message["message"] for message in reply["messages"]]


def offsets(reply):
    return [message["offset"] for message in reply["messages"]]
