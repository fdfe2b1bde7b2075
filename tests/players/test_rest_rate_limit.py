"""docs/rest.md §2.7: REST rate limits per client IP, before authentication."""

import pytest

from tests.servers import serving
from tests.support import api_on


@pytest.fixture
def limited(transactional_db, django_db_setup):
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
