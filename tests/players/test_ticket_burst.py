"""A burst of ticket requests, as after a deploy when every client reconnects at once: each gets
its ticket. Each REST request runs on a thread of its own, so more threads than the process's
cache pool holds want it at once; they wait for a connection instead of failing with 503."""

import asyncio
from collections import Counter

import httpx
import pytest

pytestmark = pytest.mark.redis

BURST = 300


def test_a_burst_of_ticket_requests_all_get_their_ticket(api):
    token = api.key(api.game(), "read:players")

    async def burst():
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=0)
        async with httpx.AsyncClient(base_url=api.server.http, timeout=60, limits=limits) as client:
            headers = {"Authorization": f"Bearer {token}"}
            return await asyncio.gather(*(client.post("/v1/socket-tickets", headers=headers) for _ in range(BURST)))

    answers = asyncio.run(burst())
    assert Counter(answer.status_code for answer in answers) == {200: BURST}
    assert len({answer.json()["ticket"] for answer in answers}) == BURST
