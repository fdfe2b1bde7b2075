"""daphne started as Channels' deployment docs start a project — `daphne -b 127.0.0.1 -p PORT
talo_project.asgi:application`, no flags of ours — behaves as `manage.py serve` does: the
application applies the protocol's settings itself (sockets/daphne_patches.py)."""

import socket
import subprocess
import sys
import time

import pytest
from websockets.client import ClientProtocol
from websockets.frames import Opcode
from websockets.uri import parse_uri

from sockets.daphne_patches import LISTEN_BACKLOG
from tests.servers import PlainDaphneProcess, expected_listen_queue, listen_queue, server_env, serving
from tests.sockets.test_rate_limit import (  # noqa: F401
    IDENTIFIED,
    UNIDENTIFIED,
    WINDOW,
    test_c16_fourth_exceeded_frame_closes_1008,
)
from tests.sockets.test_router import game, test_invalid_utf8_text_frame_fails_that_socket_only  # noqa: F401
from tests.support import api_on

PING_INTERVAL = 2  # daphne checks every 2 s: a silent socket is pinged 2–4 s after it went quiet
PING_TIMEOUT = 2


@pytest.fixture(scope="module")
def plain_daphne(django_db_setup):
    settings = {
        "TALO_PING_INTERVAL": PING_INTERVAL,
        "TALO_PING_TIMEOUT": PING_TIMEOUT,
        "TALO_RATE_LIMIT_UNIDENTIFIED": UNIDENTIFIED,
        "TALO_RATE_LIMIT_IDENTIFIED": IDENTIFIED,
        "TALO_RATE_LIMIT_WINDOW": WINDOW,
        "TALO_RATE_LIMIT_BLOCK": WINDOW,
    }
    with serving("plain-daphne", process_class=PlainDaphneProcess, **settings) as process:
        yield process


@pytest.fixture
def api(transactional_db, plain_daphne):
    with api_on(plain_daphne) as client:
        yield client


def test_frame_over_the_limit_is_closed_1009(api, game):  # noqa: F811
    """docs/differences.md row 5: over MAX_FRAME_BYTES (64 KiB), also above daphne's own 1 MiB
    default, where daphne alone drops the TCP connection without a close frame."""
    token = api.key(game)
    bystander = api.socket(token)
    sock = api.socket(token)
    sock.send("x" * (2 * 1024 * 1024))
    assert sock.wait_closed()[0] == 1009
    bystander.expect_silence()


class RawClient:
    """A WebSocket client that answers nothing on its own and records when each frame arrived."""

    def __init__(self, url):
        self.protocol = ClientProtocol(parse_uri(url))
        self.sock = socket.create_connection(("127.0.0.1", parse_uri(url).port))
        self.protocol.send_request(self.protocol.connect())
        self._flush()

    def _flush(self):
        for data in self.protocol.data_to_send():
            if data:
                self.sock.sendall(data)

    def next_frame(self, timeout):
        """(opcode, seconds since the call) of the next frame, or None when the server closed
        the connection first; pongs are never sent."""
        started = time.monotonic()
        self.sock.settimeout(timeout)
        while True:
            for event in self.protocol.events_received():
                if hasattr(event, "opcode"):
                    return event.opcode, time.monotonic() - started
            try:
                data = self.sock.recv(65536)
            except ConnectionResetError:  # dropped by an abort
                return None
            if not data:
                return None
            self.protocol.receive_data(data)
            self.protocol.data_to_send()  # automatic pongs are discarded, never sent


def test_silent_socket_is_pinged_after_the_ping_interval_and_dropped_without_a_pong(api, game):  # noqa: F811
    """docs/socket.md §6 with PING_INTERVAL = PING_TIMEOUT = 2 (daphne's own: 20 s and 30 s)."""
    client = RawClient(f"{api.server.ws}/?ticket={api.ticket(api.key(game))}")
    assert client.next_frame(5)[0] == Opcode.TEXT  # v1.connected
    opcode, waited = client.next_frame(10)
    assert opcode == Opcode.PING
    assert PING_INTERVAL <= waited < PING_INTERVAL + 3
    dropped_after = time.monotonic()
    assert client.next_frame(10) is None  # no pong: the connection is dropped
    # autobahn batches its timers (to the second): the deadline may come up to a second early.
    assert PING_TIMEOUT - 1 <= time.monotonic() - dropped_after < PING_TIMEOUT + 3


def test_listen_queue_takes_a_reconnect_storm(plain_daphne):
    """Twisted's own queue is 50: beyond it the kernel drops a connecting client's SYN and the
    client retries a second later (sockets/daphne_patches.py)."""
    assert LISTEN_BACKLOG == 2048
    assert listen_queue(plain_daphne.port) == expected_listen_queue(LISTEN_BACKLOG)


REACTOR_AFTER_THE_APPLICATION = """
import threading
import daphne.cli  # what the `daphne` command imports first: the reactor is built here
import talo_project.asgi
from twisted.internet import reactor, threads

ran = []
reactor.callLater(0.01, ran.append, "timer")
threading.Thread(target=reactor.callFromThread, args=(ran.append, "thread")).start()
threads.deferToThread(lambda: "worker").addCallback(ran.append)
reactor.callLater(0.3, reactor.stop)
reactor.run(installSignalHandlers=False)
print(type(reactor._asyncioEventloop).__module__, sorted(ran))
"""


def test_reactor_runs_on_uvloop_once_the_application_is_imported():
    """daphne builds its reactor on asyncio's own loop before it imports the application; the
    application moves it onto uvloop, where timers, calls from threads and worker threads run."""
    run = subprocess.run(
        [sys.executable, "-c", REACTOR_AFTER_THE_APPLICATION],
        capture_output=True, text=True, timeout=60, env=server_env(DJANGO_SETTINGS_MODULE="talo_project.settings", TALO_SERVE_HOST="127.0.0.1"),
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout == "uvloop ['thread', 'timer', 'worker']\n"
