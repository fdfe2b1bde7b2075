"""REST requests run on reused threads (talo_project/request_threads.py): Django's ASGI handler
would start a thread for every request and another to join it. Seen from outside as the server
process's thread ids (/proc/<pid>/task), watched while a hundred requests run one after another:
no new ones appear. A thread still busy with an abandoned request is not reused. Each request
gives its database connection back when it ends (its response is closed on its own thread)."""

import os
import threading
import time

import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import psycopg
import pytest
from django.db import connection

from tests.servers import ServerProcess
from tests.support import api_on


def thread_ids(pid):
    return set(os.listdir(f"/proc/{pid}/task"))


def test_a_hundred_rest_requests_start_no_thread(api):
    token = api.key(api.game(), "read:players")
    pid = api.server.process.pid
    with httpx.Client(base_url=api.server.http, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        for _ in range(20):  # the process has every thread a request uses
            assert client.post("/v1/socket-tickets").status_code == 200
        before = thread_ids(pid)
        seen = set(before)
        done = threading.Event()

        def watch():  # a request's own thread lives as long as the request: it is seen
            while not done.is_set():
                seen.update(thread_ids(pid))

        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            for _ in range(100):
                assert client.post("/v1/socket-tickets").status_code == 200
        finally:
            done.set()
            watcher.join()
    started = seen - before
    # A periodic job may start a pool thread meanwhile; a thread per request would be 100 or more.
    assert len(started) <= 3, f"{len(started)} threads started during 100 requests"


@pytest.mark.postgres
def test_a_request_abandoned_while_it_waits_holds_up_no_later_request(api):
    """A request whose client gave up while its view waits on a locked row leaves its thread
    busy: that thread is not lent to the next request, which is answered at once."""
    game = api.game()
    alias = api.identify(game)["alias"]
    writer = {"Authorization": f"Bearer {api.key(game, 'write:playerPresence')}", "x-talo-alias": str(alias["id"])}
    assert httpx.put(f"{api.server.http}/v1/players/presence", json={"online": True}, headers=writer).status_code == 200
    tickets = {"Authorization": f"Bearer {api.key(game, 'read:players')}"}
    db = connection.settings_dict
    with psycopg.connect(host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"] or None, dbname=db["NAME"]) as lock:
        lock.execute("SELECT 1 FROM players_playerpresence WHERE player_id = %s FOR UPDATE", [alias["player"]["id"]])
        with pytest.raises(httpx.ReadTimeout):  # the write waits for the lock; its client leaves
            httpx.put(f"{api.server.http}/v1/players/presence", json={"online": False}, headers=writer, timeout=1)
        time.sleep(0.5)  # the server has seen the client go
        with httpx.Client(base_url=api.server.http, headers=tickets, timeout=5) as client:
            for _ in range(10):
                assert client.post("/v1/socket-tickets").status_code == 200


@pytest.mark.postgres
def test_requests_on_many_threads_give_their_database_connections_back(transactional_db):
    """A pool of two database connections serves 120 REST identifies (each reads and writes the
    database) made 12 at a time, so on a dozen request threads: a request that kept its thread's
    connection would leave the others waiting for one until DATABASE_POOL_TIMEOUT (then 503)."""
    server = ServerProcess("db-pool", DATABASE_POOL_SIZE=2, DATABASE_POOL_TIMEOUT=5).start()
    try:
        with api_on(server) as api:
            token = api.key(api.game(), "*")
            with httpx.Client(base_url=server.http, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:

                def identify(_):
                    params = {"service": "username", "identifier": uuid.uuid4().hex[:12]}
                    return client.get("/v1/players/identify", params=params).status_code

                started = time.monotonic()
                with ThreadPoolExecutor(12) as pool:
                    statuses = list(pool.map(identify, range(120)))
            assert statuses == [200] * 120
            assert time.monotonic() - started < 20
    finally:
        server.stop()
