"""Issue 12, finding 7: concurrent first identifies of one new name all get the one alias it
creates (PostgreSQL used to answer some of them 400 IDENTIFIER_TAKEN)."""

import threading
from concurrent.futures import ThreadPoolExecutor

from players.models import PlayerAlias

CALLERS = 20


def test_concurrent_first_identifies_get_the_same_alias(api):
    game = api.game()
    client = api.rest(api.key(game, "*"))
    start = threading.Barrier(CALLERS)

    def identify(_):
        start.wait()
        return client.get("/v1/players/identify", params={"service": "username", "identifier": "racer"})

    with ThreadPoolExecutor(CALLERS) as pool:
        responses = list(pool.map(identify, range(CALLERS)))
    assert [response.status_code for response in responses] == [200] * CALLERS, [r.text for r in responses]
    assert len({response.json()["alias"]["id"] for response in responses}) == 1
    assert PlayerAlias.objects.filter(game=game, identifier="racer").count() == 1
