"""sockets/daphne_patches.py, item 6: autobahn's debug lines — per connection and per read from a
socket — are not formatted unless autobahn logs at debug level; item 7: Twisted's own access line
is not written (the patches are installed by the application, sockets/apps.py)."""

import io

import txaio
from autobahn.twisted import websocket as twisted_websocket  # selects Twisted for txaio, as daphne does
from autobahn.websocket import protocol
from daphne.http_protocol import HTTPFactory


def test_autobahn_formats_its_debug_lines_only_when_debugging():
    assert protocol.pformat({"autoPingInterval": 30}) == ""
    level = txaio.get_global_log_level()
    txaio.set_global_log_level("debug")
    try:
        assert protocol.pformat({"autoPingInterval": 30}) == "{'autoPingInterval': 30}"
    finally:
        txaio.set_global_log_level(level)


def test_autobahn_highlights_values_only_when_debugging():
    highlighted = [
        twisted_websocket.hltype(twisted_websocket.WebSocketAdapterProtocol.dataReceived),
        twisted_websocket.hlval(512),
        protocol.hltype(protocol.WebSocketServerProtocol.processHandshake),
        protocol.hlval("tcp4:127.0.0.1:5000"),
    ]
    assert highlighted == ["", "", "", ""]
    level = txaio.get_global_log_level()
    txaio.set_global_log_level("debug")
    try:
        assert "dataReceived" in twisted_websocket.hltype(twisted_websocket.WebSocketAdapterProtocol.dataReceived)
        assert "512" in twisted_websocket.hlval(512)
        assert "127.0.0.1" in protocol.hlval("tcp4:127.0.0.1:5000")
    finally:
        txaio.set_global_log_level(level)


def test_twisted_writes_no_access_line_of_its_own():
    factory = HTTPFactory(server=None)
    factory._logFile = written = io.StringIO()
    factory._logDateTime = "30/Nov/2026:03:00:00 +0000"

    class Request:  # what Twisted's combined log formatter reads
        method, uri, clientproto, code, sentLength = b"POST", b"/v1/socket-tickets", b"HTTP/1.1", 200, 50

        def getClientAddress(self):
            return None

        def getHeader(self, name):
            return None

    factory.log(Request())
    assert written.getvalue() == ""
