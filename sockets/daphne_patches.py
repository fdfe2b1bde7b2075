"""What daphne 4.2 needs to serve the protocol, installed by the application itself
(sockets/apps.py), so that `daphne talo_project.asgi:application` with no flags behaves exactly
like `manage.py serve`: the socket settings (TALO_SOCKET) win over daphne's own options.

1. It drops the `reason` of an ASGI `websocket.close`, and autobahn refuses to let an
   application send any code but 1000 and 3000–4999; the rate limit close is 1008 with reason
   `RATE_LIMIT_EXCEEDED` (docs/socket.md §3.2).
2. Its autobahn factory "fails by drop": a frame over the size limit or a text frame that is not
   UTF-8 ends the TCP connection without a close frame (the client sees 1006). We send the close
   frame the RFC prescribes — 1009 for a frame too big (docs/differences.md row 5), 1007 for bad UTF-8.
3. The frame limit is MAX_FRAME_BYTES and the pong deadline PING_TIMEOUT (daphne's defaults:
   1 MiB, 30 s; its command line sets them after the factory is made, so they are applied last).
4. Pings go out after PING_INTERVAL seconds of silence (daphne's default: 20) and a socket is never
   closed for its age (daphne's default: after 24 h) (docs/socket.md §6).
5. With `--proxy-headers` it believes X-Forwarded-For from any peer; we believe it only from
   TALO_TRUSTED_PROXIES (uvicorn's `forwarded_allow_ips`), for HTTP and WebSocket alike.

6. autobahn formats the values of its debug log lines whether they are logged or not: it
   pretty-prints its configuration on every new connection (~110 µs of CPU) and colours three
   values on every read from a socket (and more on each connection's start and end). Both are
   formatted only when autobahn logs at debug level.
7. Twisted's HTTP factory, under daphne's, writes a combined-format access line for every HTTP
   request to Twisted's global log, which nothing here reads (no observer is installed; it keeps
   the last events in memory): a tenth of the CPU of daphne's own part of a cheap request (the
   socket ticket, docs/architecture.md "One connection"). It is not written; daphne's access log
   (`serve --access-log`) is unchanged.
8. Twisted listens with a queue of 50 connections not yet accepted (uvicorn: 2048). When a
   deploy or a network blip brings players back at once, the kernel drops the SYNs beyond it
   and the clients retry a second later: a storm of 1000 with 100 in flight lost ~1 s for 1–2 %
   of them. A TCP, TLS or Unix endpoint listens with LISTEN_BACKLOG unless its description sets
   `backlog=` itself.
9. daphne builds its reactor on asyncio's own event loop when `daphne.server` is imported, before
   any application is: ~10 % more instructions per fan-out delivery and per connection than on
   uvloop, uvicorn's loop (docs/architecture.md "One connection"). Before the reactor runs, it is
   moved onto a uvloop loop.

And `skip_in_access_log` leaves health probes out of its access log (`serve --access-log`).
"""

import ipaddress
import pprint
import sys
import time

import txaio
import uvloop
from autobahn import util as autobahn_util
from autobahn.twisted import websocket as autobahn_twisted
from autobahn.websocket import protocol as autobahn_protocol
from daphne.access import AccessLogGenerator
from daphne import http_protocol, server as daphne_server, ws_protocol
from daphne.ws_protocol import WebSocketFactory, WebSocketProtocol
from django.conf import settings

_original_handle_reply = WebSocketProtocol.handle_reply
_original_factory_init = WebSocketFactory.__init__
_original_set_options = WebSocketFactory.setProtocolOptions
_original_access_log = AccessLogGenerator.__call__
_original_server_from_string = daphne_server.serverFromString

LISTEN_BACKLOG = 2048  # uvicorn's default; the kernel caps it at net.core.somaxconn


def _handle_reply(self, message):
    if message.get("type") == "websocket.close" and self.state == self.STATE_OPEN:
        reason = (message.get("reason") or "").encode("utf-8")[:123]  # a close frame holds 125 bytes
        self.sendCloseFrame(code=message.get("code") or 1000, reasonUtf8=reason or None)
        return
    _original_handle_reply(self, message)


def _our_options():
    socket = settings.TALO_SOCKET
    return {
        "failByDrop": False,
        "autoPingTimeout": socket["PING_TIMEOUT"],
        "maxFramePayloadSize": socket["MAX_FRAME_BYTES"],
        "maxMessagePayloadSize": socket["MAX_FRAME_BYTES"],
    }


def _set_protocol_options(self, **options):
    _original_set_options(self, **{**options, **_our_options()})


def _factory_init(self, *args, **kwargs):
    _original_factory_init(self, *args, **kwargs)
    self.setProtocolOptions()


def _check_timeouts(self):
    """daphne's check (every 2 s), with our ping interval and without its age limit."""
    if self.state == self.STATE_CONNECTING:
        if self.duration() > self.server.websocket_connect_timeout:
            self.serverReject()
    elif self.state == self.STATE_OPEN and time.time() - self.last_ping > settings.TALO_SOCKET["PING_INTERVAL"]:
        self._sendAutoPing()
        self.last_ping = time.time()


def _debugging():
    return txaio.get_global_log_level() in ("debug", "trace")


def _when_debugging(format_value):
    """A formatter autobahn calls for its debug lines (`pformat`, `hltype`, `hlval`), doing its
    work only when they are logged: in the two modules patched, every other use is a client's
    error line, which a server never logs."""

    def format_when_debugging(value, *args, **kwargs):
        return format_value(value, *args, **kwargs) if _debugging() else ""

    return format_when_debugging


def _no_twisted_access_line(self, request):
    pass


def _server_from_string(reactor, description):
    kind = description.partition(":")[0]
    if kind in ("tcp", "tcp6", "ssl", "unix") and "backlog=" not in description:
        description = f"{description}:backlog={LISTEN_BACKLOG}"
    return _original_server_from_string(reactor, description)


def _reactor_on_uvloop():
    reactor = sys.modules.get("twisted.internet.reactor")
    loop = getattr(reactor, "_asyncioEventloop", None)
    if loop is None or isinstance(loop, uvloop.Loop) or reactor.running or loop.is_running():
        return
    # What the reactor has registered so far (its waker, in practice) moves with it; its timer is
    # set again on the new loop. daphne's Server.run makes the reactor's loop the current one.
    readers, writers = reactor.getReaders(), reactor.getWriters()
    for reader in readers:
        reactor.removeReader(reader)
    for writer in writers:
        reactor.removeWriter(writer)
    if reactor._timerHandle is not None:
        reactor._timerHandle.cancel()
        reactor._timerHandle = None
    new_loop = uvloop.new_event_loop()
    executor = getattr(loop, "_default_executor", None)  # daphne sets one when ASGI_THREADS is set
    if executor is not None:
        new_loop.set_default_executor(executor)
    reactor._asyncioEventloop = new_loop
    for reader in readers:
        reactor.addReader(reader)
    for writer in writers:
        reactor.addWriter(writer)
    reactor._reschedule()
    loop.close()


def trusted_peer(networks):
    """A predicate: is this peer address one of `networks` (addresses or CIDR networks)?"""
    parsed = [ipaddress.ip_network(network, strict=False) for network in networks]

    def trusted(address):
        try:
            peer = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(peer in network for network in parsed)

    return trusted


def _from_trusted_proxies_only(parse, trusted):
    def parse_from_trusted(headers, address_header, port_header, proto_header, original_addr=None, original_scheme=None):
        if not original_addr or not trusted(original_addr[0]):
            return original_addr, original_scheme
        return parse(headers, address_header, port_header, proto_header, original_addr, original_scheme)

    return parse_from_trusted


def install():
    _reactor_on_uvloop()
    WebSocketProtocol.handle_reply = _handle_reply
    WebSocketProtocol.check_timeouts = _check_timeouts
    WebSocketFactory.__init__ = _factory_init
    WebSocketFactory.setProtocolOptions = _set_protocol_options
    autobahn_protocol.pformat = _when_debugging(pprint.pformat)
    for module in (autobahn_protocol, autobahn_twisted):
        module.hltype = _when_debugging(autobahn_util.hltype)
        module.hlval = _when_debugging(autobahn_util.hlval)
    http_protocol.HTTPFactory.log = _no_twisted_access_line
    daphne_server.serverFromString = _server_from_string
    trusted = trusted_peer(settings.TRUSTED_PROXIES)
    for module in (http_protocol, ws_protocol):
        module.parse_x_forwarded_for = _from_trusted_proxies_only(module.parse_x_forwarded_for, trusted)


def skip_in_access_log(skip):
    """daphne's access log leaves out the requests whose path `skip(path)` names."""

    def access_log(self, protocol, action, details):
        if not skip(details.get("path") or ""):
            _original_access_log(self, protocol, action, details)

    AccessLogGenerator.__call__ = access_log
