"""sockets/daphne_patches.py, item 6: autobahn's debug lines — per connection and per read from a
socket — are not formatted unless autobahn logs at debug level (the patches are installed by the
application, sockets/apps.py)."""

import txaio
from autobahn.twisted import websocket as twisted_websocket  # selects Twisted for txaio, as daphne does
from autobahn.websocket import protocol


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
