"""Limits the spec lacks (issue 5): slow consumers (docs/differences.md row 9) and connection limits."""

import socket
import time

import psutil
import pytest
from websockets.client import ClientProtocol
from websockets.uri import parse_uri

from tests.servers import SERVERS, serving
from tests.support import api_on


@pytest.fixture(scope="module", params=SERVERS)
def guarded_server(request, django_db_setup):
    limits = {"TALO_SLOW_CONSUMER_BYTES": 256 * 1024, "TALO_SLOW_CONSUMER_SECONDS": 1, "TALO_MAX_CONNECTIONS_PER_KEY": 3}
    with serving(f"guarded-{request.param}", server=request.param, **limits) as process:
        yield process


@pytest.fixture
def api(transactional_db, guarded_server):
    with api_on(guarded_server) as client:
        yield client


class StubbornClient:
    """A WebSocket client on a raw TCP socket that sends and never reads."""

    def __init__(self, url):
        self.protocol = ClientProtocol(parse_uri(url))
        self.sock = socket.create_connection(("127.0.0.1", parse_uri(url).port))
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        request = self.protocol.connect()
        self.protocol.send_request(request)
        self._flush()
        response = b""
        while b"\r\n\r\n" not in response:
            response += self.sock.recv(1)  # read the handshake only, byte by byte
        self.protocol.receive_data(response)

    def _flush(self):
        for data in self.protocol.data_to_send():
            if data:
                self.sock.sendall(data)

    def send_text(self, text):
        self.protocol.send_text(text.encode())
        self._flush()

    def read_until_closed(self, timeout=20):
        """Read everything until the close frame: its (code, reason), or None if the server
        dropped the connection first (it does once its close handshake times out)."""
        self.sock.settimeout(timeout)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                data = self.sock.recv(1 << 20)
            except ConnectionResetError:
                return None
            if not data:
                break
            self.protocol.receive_data(data)
            for event in self.protocol.events_received():
                if getattr(event, "opcode", None) is not None and event.opcode.name == "CLOSE":
                    return self.protocol.close_rcvd.code, self.protocol.close_rcvd.reason
        return None


def test_slow_consumer_is_closed_and_memory_stays_bounded(api, guarded_server):
    game = api.game()
    token = api.key(game)
    bystander = api.socket(token)
    server = psutil.Process(guarded_server.process.pid)
    rss_before = server.memory_info().rss
    stubborn = StubbornClient(f"{guarded_server.ws}/?ticket={api.ticket(token)}")
    junk = '{"req":"nope","data":"' + "x" * 60000 + '"}'  # each is echoed back in full as the cause
    for _ in range(100):  # ~6 MB of replies it does not read, far more than the socket buffers hold
        stubborn.send_text(junk)
    bystander.expect_silence()  # served meanwhile
    assert server.memory_info().rss - rss_before < 40 * 1024 * 1024
    assert stubborn.read_until_closed() in ((1008, "SLOW_CONSUMER"), None)
    assert "closing a slow consumer" in guarded_server.read_log(tail=None)
    bystander.expect_silence()  # others keep being served


def test_connections_per_key_limit(api):
    game = api.game()
    token = api.key(game)
    open_sockets = [api.socket(token) for _ in range(3)]
    refused = api.connect_raw(f"/?ticket={api.ticket(token)}")
    assert refused.wait_closed() == (1008, "TOO_MANY_CONNECTIONS")
    other_key = api.key(game)
    api.socket(other_key).expect_silence()  # another key of the game is not affected
    open_sockets[0].close()
    time.sleep(0.3)
    api.socket(token).expect_silence()  # a slot is free again
