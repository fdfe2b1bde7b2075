"""Issue 12, finding 7: a readiness endpoint for load balancers (docs/rest.md §3.1) and a JSON 503
from /v1 while the database or Redis is unreachable; /public/health stays Talo's 204."""

import shutil

import pytest

from tests.servers import RedisProcess, free_port, serving
from tests.support import Api

UNAVAILABLE = {"message": "Service Unavailable"}


def test_ready_while_everything_answers(api):
    response = api.rest().get("/public/ready")
    assert (response.status_code, response.content) == (204, b"")


@pytest.mark.redis
@pytest.mark.skipif(shutil.which("redis-server") is None, reason="NEEDS redis-server to run a private Redis")
def test_redis_down_is_503_and_not_ready(transactional_db, django_db_setup):
    redis = RedisProcess().start()
    try:
        # The REST rate limiter keeps its counters in Redis: every /v1 request needs it.
        with serving("redis-down", REDIS_URL=redis.url, TALO_REST_RATE_LIMIT=1000, TALO_REST_RATE_LIMIT_AUTH=1000) as server:
            api = Api(server)
            token = api.key(api.game())
            assert api.rest().get("/public/ready").status_code == 204
            assert api.rest(token).post("/v1/socket-tickets").status_code == 200
            port = redis.port
            redis.stop()
            response = api.rest().get("/public/ready")
            assert (response.status_code, response.json()) == (503, {**UNAVAILABLE, "unreachable": ["redis"]})
            assert api.rest().get("/public/health").status_code == 204
            for method, path in (("POST", "/v1/socket-tickets"), ("GET", "/v1/game-config"), ("GET", "/v1/health-check")):
                response = api.rest(token).request(method, path)
                assert (response.status_code, response.json()) == (503, UNAVAILABLE), path
            redis.port = port
            redis.start()
            assert api.rest().get("/public/ready").status_code == 204
            assert api.rest(token).post("/v1/socket-tickets").status_code == 200
            api.close()
    finally:
        redis.stop()


@pytest.mark.postgres
def test_database_down_is_503_and_not_ready(transactional_db, django_db_setup):
    nowhere = f"postgres://postgres@127.0.0.1:{free_port()}/nothing"
    with serving("db-down", DATABASE_URL=nowhere, DATABASE_POOL_TIMEOUT=2) as server:
        api = Api(server)
        response = api.rest().get("/public/ready")
        assert (response.status_code, response.json()) == (503, {**UNAVAILABLE, "unreachable": ["database"]})
        assert api.rest().get("/public/health").status_code == 204
        response = api.rest("tk_1_whatever").get("/v1/game-config")
        assert (response.status_code, response.json()) == (503, UNAVAILABLE)
        assert response.headers["retry-after"] == "5"
        api.close()
