"""How the domain apps plug into the socket runtime (docs/architecture.md).

The runtime owns connections, the hub and the wire; everything about games and players comes in
through what the apps register here from `AppConfig.ready()` — Centrifuge's split of the hub
from the application's `OnConnecting`/`OnConnect` handlers:

- `register(name, schema, scope, requires_player, handler)`: a socket request;
- `every(seconds, job)`: periodic upkeep, `await job(hub)` on each server process;
- `authenticate_with(fn)`: `await fn(ticket)` → a `Grant` or None, once per connect;
- `verify_signatures_with(fn)`: `await fn(connection, signature, json_text)` → bool, for games
  that sign their requests (docs/socket.md §8);
- `on_close(fn)`: `await fn(connection)` after a connection closed, whatever closed it;
- `connection_option(name)`: a socket URL query parameter (`?name=1`) a client opts in with; it
  lands in `connection.options`, and an event may carry a second text for those connections
  (`sockets.events.frame_event(..., variant=(name, text))`);
- `on_forget(fn)`: `fn(group)` when this process is told to drop what it caches about `group`
  (sockets.events.publish_forget).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Request:
    name: str
    schema: object  # a sockets.schemas.Object
    scope: str
    requires_player: bool
    handler: object  # async def handler(connection, payload)


requests = {}
jobs = []  # (seconds, job)
close_hooks = []
connection_options = set()
forget_hooks = []
_authenticator = None
_signature_verifier = None


def register(name, schema, scope, requires_player, handler):
    if name in requests:
        raise ValueError(f"socket request {name} is registered twice")
    requests[name] = Request(name, schema, scope, requires_player, handler)


def every(seconds, job):
    jobs.append((seconds, job))


def on_close(hook):
    close_hooks.append(hook)


def connection_option(name):
    connection_options.add(name)


def on_forget(hook):
    forget_hooks.append(hook)


def authenticate_with(authenticator):
    global _authenticator
    _authenticator = authenticator


def verify_signatures_with(verifier):
    global _signature_verifier
    _signature_verifier = verifier


async def authenticate(ticket):
    return None if _authenticator is None else await _authenticator(ticket)


async def signature_valid(connection, signature, json_text):
    return _signature_verifier is not None and await _signature_verifier(connection, signature, json_text)
