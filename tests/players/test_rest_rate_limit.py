"""docs/rest.md §2.7: REST rate limits per client IP, before authentication."""

import pytest
from django.core.cache import cache

from tests.servers import serving
from tests.support import api_on


@pytest.fixture
def limited(transactional_db, django_db_setup):
    # With Redis the counters are shared and outlive a server: start each test from none.
    cache.delete_many([f"ratelimit:{bucket}:127.0.0.1" for bucket in ("default", "auth")])
    with serving("rest-limited", TALO_REST_RATE_LIMIT=5, TALO_REST_RATE_LIMIT_AUTH=3) as process:
        with api_on(process) as client:
            yield client


def test_rest_rate_limits_by_bucket(limited):
    game = limited.game()
    token = limited.key(game)
    client = limited.rest(token)
    assert [client.post("/v1/socket-tickets").status_code for _ in range(3)] == [200] * 3
    response = client.post("/v1/socket-tickets")
    assert (response.status_code, response.json()) == (429, {"message": "Too Many Requests"})
    assert response.headers["retry-after"] == "60"
    # The limiter runs before authentication: a bad key is limited too.
    assert limited.rest("nope").post("/v1/players/socket-token").status_code == 429
    # The default bucket has its own budget.
    assert [client.get("/v1/health-check").status_code for _ in range(5)] == [204] * 5
    assert client.get("/v1/health-check").status_code == 429
    # Not the health check the clients use to decide they are online, nor the socket.
    assert limited.rest().get("/public/health").status_code == 204


def test_options_requests_count_like_any_other(limited):
    """Issue 12: an OPTIONS request that is not a CORS preflight goes on to authenticate the key,
    so it is counted; a preflight is answered before the limiter and before authentication."""
    token = limited.key(limited.game())
    client = limited.rest(token)
    assert 429 not in [client.options("/v1/health-check").status_code for _ in range(5)]
    response = client.options("/v1/health-check")
    assert (response.status_code, response.json()) == (429, {"message": "Too Many Requests"})
    preflight = limited.rest().options(
        "/v1/health-check", headers={"Origin": "https://game.example", "Access-Control-Request-Method": "GET"}
    )
    assert preflight.status_code == 204
