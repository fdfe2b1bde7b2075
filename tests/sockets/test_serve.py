"""`manage.py serve` on both servers: it says where it listens, and `--access-log` logs requests
and socket connects but never health probes or metrics scrapes (off by default)."""

import pytest

from tests.servers import SERVERS, serving
from tests.support import api_on, wait_until


@pytest.mark.parametrize("server_name", SERVERS)
def test_access_log_leaves_out_probes(transactional_db, server_name):
    with serving("access", server=server_name, access_log=True) as server, api_on(server) as api:
        assert f"Serving on http://127.0.0.1:{server.port} (sockets at ws://127.0.0.1:{server.port}/, {server_name})" \
            in server.read_log()
        client = api.rest()
        for _ in range(3):
            assert client.get("/public/health").status_code == 204
        assert client.get("/metrics").status_code == 200
        assert client.get("/v1/health-check").status_code == 401
        api.socket(api.key(api.game(), "read:players"))
        log = wait_until(lambda: "/v1/socket-tickets" in server.read_log() and server.read_log())
        assert '"GET /v1/health-check' in log and "401" in log
        assert "/public/health" not in log and "/metrics" not in log


def test_no_access_log_by_default(api):
    api.socket(api.key(api.game(), "read:players"))
    log = api.server.read_log(tail=None)
    assert f"Serving on http://127.0.0.1:{api.server.port}" in log
    assert '"POST /v1/socket-tickets' not in log and "WSCONNECT" not in log
