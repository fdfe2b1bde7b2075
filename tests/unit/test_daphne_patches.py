"""sockets/daphne_patches.py, item 6: autobahn's per-connection debug line is not formatted unless
autobahn logs at debug level (the patches are installed by the application, sockets/apps.py)."""

import autobahn.twisted.websocket  # noqa: F401 — selects Twisted for txaio, as daphne does
import txaio
from autobahn.websocket import protocol


def test_autobahn_formats_its_debug_lines_only_when_debugging():
    assert protocol.pformat({"autoPingInterval": 30}) == ""
    level = txaio.get_global_log_level()
    txaio.set_global_log_level("debug")
    try:
        assert protocol.pformat({"autoPingInterval": 30}) == "{'autoPingInterval': 30}"
    finally:
        txaio.set_global_log_level(level)
