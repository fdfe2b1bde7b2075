"""Issue 12, finding 7: `serve --proxy-headers` takes the client's address from X-Forwarded-For only
when the connection comes from a trusted proxy (TALO_TRUSTED_PROXIES, loopback by default), on
both servers — for the per-IP socket limit and the REST rate limit alike."""

import json

import pytest
from django.core.cache import cache
from websockets.sync.client import connect

from tests.servers import SERVERS, serving
from tests.support import Socket, api_on


@pytest.fixture(scope="module", params=[(server, trusted) for server in SERVERS for trusted in (True, False)])
def proxied(request, django_db_setup):
    server, trusted = request.param
    env = {"TALO_MAX_CONNECTIONS_PER_IP": 1, "TALO_REST_RATE_LIMIT": 2, "TALO_REST_RATE_LIMIT_WINDOW": 600}
    if not trusted:
        env["TALO_TRUSTED_PROXIES"] = "10.9.9.9,192.168.0.0/16"  # not the loopback the tests connect from
    # With Redis the servers share their REST counters: start from none for the loopback peer.
    cache.delete("ratelimit:default:127.0.0.1")
    with serving(f"proxied-{server}-{trusted}", server=server, proxy_headers=True, **env) as process:
        yield process, trusted
    cache.delete("ratelimit:default:127.0.0.1")


def socket_from(api, token, forwarded_for):
    ws = connect(
        f"{api.server.ws}/?ticket={api.ticket(token)}", additional_headers={"X-Forwarded-For": forwarded_for},
        open_timeout=10,
    )
    sock = Socket(ws)
    api._sockets.append(sock)
    return sock


def test_forwarded_addresses_count_only_from_trusted_proxies(transactional_db, proxied):
    server, trusted = proxied
    with api_on(server) as api:
        token = api.key(api.game())
        first = socket_from(api, token, "203.0.113.1")
        assert first.recv() == {"res": "v1.connected", "data": {}}
        second = socket_from(api, token, "203.0.113.2")
        if trusted:  # another client behind the proxy
            assert second.recv() == {"res": "v1.connected", "data": {}}
        else:  # the header is ignored: both are the loopback peer, which has its one socket
            assert second.wait_closed() == (1008, "TOO_MANY_CONNECTIONS")
        same = socket_from(api, token, "203.0.113.1")
        assert same.wait_closed() == (1008, "TOO_MANY_CONNECTIONS")

        rest = api.rest(token)
        one, two = "198.51.100.1", "198.51.100.2"
        cache.delete_many([f"ratelimit:default:{ip}" for ip in (one, two)])  # shared with Redis
        for _ in range(2):
            assert rest.get("/v1/health-check", headers={"X-Forwarded-For": one}).status_code == 204
        assert rest.get("/v1/health-check", headers={"X-Forwarded-For": one}).status_code == 429
        other = rest.get("/v1/health-check", headers={"X-Forwarded-For": two})
        assert other.status_code == (204 if trusted else 429), json.dumps(dict(other.headers))
